import Foundation
import Testing

extension ClusterTests.StableClusterTests {
    /// One bad request of API.md's error cases and the answer it must get.
    struct BadRequest: CustomStringConvertible {
        var method: String
        var target: String
        /// The body, sent as a form (or as JSON to /join and /remove), if any.
        var body: String?
        var status: Int

        init(_ method: String, _ target: String, body: String? = nil, _ status: Int) {
            self.method = method
            self.target = target
            self.body = body
            self.status = status
        }

        var description: String { "\(method) \(target)\(body.map { " -d '\($0)'" } ?? "") → \(status)" }

        /// Sends the request to `address`, following redirects.
        func send(to address: String) throws -> HTTPResponse {
            guard let body else { return try HTTPClient.send(method, address, target, followRedirects: true) }
            let json = target == "/join" || target == "/remove"
            let type = json ? "application/json" : "application/x-www-form-urlencoded"
            return try HTTPClient.send(
                method, address, target, body: Array(body.utf8), headers: [("Content-Type", type)],
                followRedirects: true)
        }
    }

    /// Every error row of API.md, sent to every node (redirects followed, so a follower either
    /// answers itself or sends the request to the leader), each answered with its status and a JSON
    /// `{"error": ...}` body.
    @Test("Every error row of API.md gets its status and a JSON error, on every node")
    func errorRows() throws {
        let cluster = try RaftdCluster.shared()
        let leader = try cluster.waitUntilStable()
        let name = uniqueName("/bad")
        let grant = try HTTPClient.send("POST", leader.httpAddress, "/lease/grant?ttl=30&name=\(name)")
        let id = try #require(leaseID(of: grant), "\(grant)")
        let unknown = "4242"
        let rows: [BadRequest] = [
            // grant: missing/invalid ttl (1...86400), missing name
            .init("POST", "/lease/grant?name=/x", 400),
            .init("POST", "/lease/grant?ttl=0&name=/x", 400),
            .init("POST", "/lease/grant?ttl=86401&name=/x", 400),
            .init("POST", "/lease/grant?ttl=abc&name=/x", 400),
            .init("POST", "/lease/grant?ttl=-1&name=/x", 400),
            .init("POST", "/lease/grant?ttl=&name=/x", 400),
            .init("POST", "/lease/grant?ttl=10", 400),
            .init("POST", "/lease/grant?ttl=10&name=", 400),
            .init("POST", "/lease/grant", body: "ttl=0&name=/x", 400),
            // keepalive: missing key or data, bad id, unknown lease
            .init("POST", "/lease/keepalive/\(id)", body: "data=d", 400),
            .init("POST", "/lease/keepalive/\(id)", body: "key=k", 400),
            .init("POST", "/lease/keepalive/\(id)", body: "", 400),
            .init("POST", "/lease/keepalive/abc", body: "key=k&data=d", 400),
            .init("POST", "/lease/keepalive/-1", body: "key=k&data=d", 400),
            .init("POST", "/lease/keepalive/99999999999999999999999", body: "key=k&data=d", 400),
            .init("POST", "/lease/keepalive/\(unknown)", body: "key=k&data=d", 404),
            // revoke and timetolive of an unknown lease
            .init("POST", "/lease/revoke/\(unknown)", 404),
            .init("POST", "/lease/revoke/abc", 400),
            .init("POST", "/lease/timetolive/\(unknown)", 404),
            .init("GET", "/lease/timetolive/\(unknown)", 404),
            .init("GET", "/lease/timetolive/abc", 400),
            // /lease/kv without prefix
            .init("POST", "/lease/kv/nodeinfo", body: "", 400),
            .init("GET", "/lease/kv/nodeinfo", 400),
            // keys: empty key, missing key, unknown read level
            .init("PUT", "/key/", body: "", 400),
            .init("GET", "/key/", 400),
            .init("DELETE", "/key/", 400),
            .init("GET", "/key/\(uniqueName("missing"))", 404),
            .init("GET", "/key/k?level=bogus", 400),
            .init("GET", "/key/bad%zzescape", 400),
            // cluster: malformed or incomplete JSON, unknown member
            .init("POST", "/join", body: #"{"id":"#, 400),
            .init("POST", "/join", body: #"{"id":"node09"}"#, 400),
            .init("POST", "/join", body: #"{"id":"node09","httpAddr":"nope","raftAddr":"x:1"}"#, 400),
            .init("POST", "/remove", body: "not json", 400),
            .init("POST", "/remove", body: #"{"id":"nobody"}"#, 404),
            // no such route
            .init("GET", "/nowhere", 404),
        ]
        for node in cluster.nodes {
            for row in rows {
                expectJSONError(try row.send(to: node.httpAddress), row.status, "\(row) on \(node.id)")
            }
        }
        // The lease the rows used is untouched by them.
        let ttl = try HTTPClient.get(leader.httpAddress, "/lease/timetolive/\(id)")
        #expect(ttl.status == 200 && (ttl.json as? [String: Any])?["state"] as? String == "CREATE", "\(ttl)")
        #expect(try HTTPClient.send("POST", leader.httpAddress, "/lease/revoke/\(id)").status == 200)
    }
}

extension ClusterTests.StableClusterTests {
    /// A body of the documented limit plus one byte is refused with 413 and a JSON error; a large
    /// file under the limit (API.md: at least 8 MiB) is stored; the node keeps serving.
    @Test("A body over the 16 MiB limit gets 413; an 8 MiB body is stored")
    func oversizedBody() throws {
        let cluster = try RaftdCluster.shared()
        let leader = try cluster.waitUntilStable()
        let key = "/key/\(uniqueName("big"))"
        let tooLarge = [UInt8](repeating: 0x61, count: (16 << 20) + 1)
        for node in cluster.nodes {
            let response = try HTTPClient.send("PUT", node.httpAddress, key, body: tooLarge, timeout: 30)
            expectJSONError(response, 413, "PUT of 16 MiB + 1 bytes on \(node.id)")
        }
        let seed = testSeed(default: 5_006)
        let large = seededBytes(8 << 20, seed: seed)
        let put = try HTTPClient.send("PUT", leader.httpAddress, key, body: large, timeout: 60)
        #expect(put.status == 200, "PUT of 8 MiB: \(put)")
        let get = try HTTPClient.send("GET", leader.httpAddress, key, timeout: 60)
        #expect(
            get.status == 200 && get.body == large, "GET of the 8 MiB value: \(get.status), \(get.body.count) bytes")
        #expect(try HTTPClient.send("DELETE", leader.httpAddress, key).status == 200)
    }
}
