import Testing

@testable import cluster_bench

@Suite("cluster-bench: command line and endpoints")
struct ClusterBenchOptionsTests {
    @Test("defaults, and --all runs the system's workloads in order")
    func defaults() throws {
        let raftd = try ClusterBenchOptions(parsing: ["--all"])
        #expect(raftd.system == .raftd && raftd.clients == 64 && raftd.duration == 10 && raftd.valueSize == 100)
        #expect(raftd.workloads == [.put, .get, .getConsistent, .getStale, .grant, .keepalive, .leaseKV])
        #expect(raftd.endpoints == [Endpoint(host: "127.0.0.1", port: 7200)] && raftd.target == .leader)
        let etcd = try ClusterBenchOptions(parsing: ["--all", "--system", "etcd"])
        #expect(etcd.workloads == [.put, .get, .getStale, .grant, .keepalive])
        #expect(etcd.endpoints == [Endpoint(host: "127.0.0.1", port: 2379)])
    }

    @Test("every option, in both spellings")
    func everyOption() throws {
        let options = try ClusterBenchOptions(parsing: [
            "--system=etcd", "--endpoints", "127.0.0.1:2379,127.0.0.1:22379", "--clients=16", "--duration", "5s",
            "--warmup", "0.5", "--keys", "1_000", "--leases=50", "--value-size", "0", "--threads", "2",
            "--workload", "put,get-stale", "--etcd-gateway", "/v3beta", "--target", "localhost:32379",
        ])
        #expect(options.system == .etcd && options.clients == 16 && options.duration == 5 && options.warmup == 0.5)
        #expect(options.keys == 1000 && options.leases == 50 && options.valueSize == 0 && options.threads == 2)
        #expect(options.workloads == [.put, .getStale] && options.etcdGateway == "/v3beta")
        #expect(options.endpoints.map(\.port) == [2379, 22379])
        #expect(options.target == .endpoints([Endpoint(host: "localhost", port: 32379)]))
    }

    @Test("an explicit target list is also where the leader is asked, without --endpoints")
    func targetList() throws {
        let options = try ClusterBenchOptions(parsing: ["--workload", "get-stale", "--target", "h1:7200,h2:7201"])
        #expect(options.target == .endpoints(options.endpoints))
        #expect(options.endpoints == [Endpoint(host: "h1", port: 7200), Endpoint(host: "h2", port: 7201)])
    }

    @Test("bad command lines are refused with an error")
    func refused() {
        let bad: [[String]] = [
            [],
            ["--system", "consul", "--all"],
            ["--workload", "scan"],
            ["--system", "etcd", "--workload", "lease-kv"],
            ["--system", "etcd", "--workload", "get-consistent"],
            ["--all", "--workload", "put"],
            ["--all", "--clients", "0"],
            ["--all", "--duration", "-1"],
            ["--all", "--duration", "nan"],
            ["--all", "--keys"],
            ["--all", "--endpoints", "nohost"],
            ["--all", "--endpoints", "h:99999"],
            ["--all", "--etcd-gateway", "v3"],
            ["--all", "--frobnicate"],
        ]
        for arguments in bad {
            #expect(throws: BenchError.self, "\(arguments)") { try ClusterBenchOptions(parsing: arguments) }
        }
        #expect(throws: Never.self) { try ClusterBenchOptions(parsing: ["--help"]) }
    }

    @Test("endpoints: HOST:PORT, a URL, IPv6 in brackets")
    func endpoints() throws {
        #expect(try Endpoint(parsing: "127.0.0.1:7200") == Endpoint(host: "127.0.0.1", port: 7200))
        #expect(try Endpoint(parsing: "http://node2:7201/") == Endpoint(host: "node2", port: 7201))
        let v6 = try Endpoint(parsing: "[::1]:2379")
        #expect(v6 == Endpoint(host: "::1", port: 2379) && v6.description == "[::1]:2379")
        for bad in ["", ":80", "host", "host:", "host:0", "[::1]2379", "host:http"] {
            #expect(throws: BenchError.self, "\(bad)") { try Endpoint(parsing: bad) }
        }
    }

    @Test("raftd's leader address from /status; etcd's ids in either JSON form")
    func statusParsing() throws {
        let status = #"{"id":"node01","state":"Leader","leaderId":"node01","leaderAddr":"127.0.0.1:7201"}"#
        #expect(try RaftdSystem.leaderAddress(inStatus: Array(status.utf8)) == Endpoint(host: "127.0.0.1", port: 7201))
        #expect(try RaftdSystem.leaderAddress(inStatus: Array(#"{"leaderAddr":""}"#.utf8)) == nil)
        #expect(try RaftdSystem.leaderAddress(inStatus: Array(#"{"state":"Candidate"}"#.utf8)) == nil)
        #expect(throws: BenchError.self) { try RaftdSystem.leaderAddress(inStatus: Array("<html>".utf8)) }
        #expect(throws: BenchError.self) { try RaftdSystem.leaderAddress(inStatus: Array("[1]".utf8)) }
        #expect(EtcdSystem.idText("7587874416213934344") == "7587874416213934344")
        #expect(EtcdSystem.idText(42 as Int) == "42")
        #expect(EtcdSystem.idText("x") == nil && EtcdSystem.idText(nil) == nil)
        #expect(EtcdSystem.key(7) == "YmVuY2gvNw==")
    }

    @Test("request bytes: request line, Host, length and type only with a body")
    func requestEncoding() {
        let host = Endpoint(host: "127.0.0.1", port: 7200)
        let requests = RequestSet(count: 2) { index, buffer in
            if index == 0 {
                HTTPRequestEncoding.write(into: &buffer, method: "GET", target: "/key/bench/0", host: host)
            } else {
                HTTPRequestEncoding.write(
                    into: &buffer, method: "PUT", target: "/key/bench/1", host: host,
                    contentType: HTTPRequestEncoding.octetStream, body: Array("abc".utf8))
            }
        }
        #expect(requests.count == 2)
        #expect(String(buffer: requests[0]) == "GET /key/bench/0 HTTP/1.1\r\nHost: 127.0.0.1:7200\r\n\r\n")
        #expect(
            String(buffer: requests[1])
                == "PUT /key/bench/1 HTTP/1.1\r\nHost: 127.0.0.1:7200\r\nContent-Length: 3\r\n"
                + "Content-Type: application/octet-stream\r\n\r\nabc")
        #expect(MarkdownReport.grouped(1_234_567) == "1,234,567" && MarkdownReport.grouped(999) == "999")
    }
}
