/// The command line of `cluster-bench`.
struct ClusterBenchOptions: Sendable, Equatable {
    /// Where the timed runs send their requests.
    enum Target: Sendable, Equatable {
        /// Ask the `--endpoints` who leads and send everything there.
        case leader
        /// Spread the clients over these endpoints, round robin, as given.
        case endpoints([Endpoint])
    }

    /// The cluster's kind.
    var system = BenchSystem.raftd
    /// Nodes to ask for the leader (and, without `--target`, of which etcd's leader is found).
    var endpoints: [Endpoint] = []
    /// Where the timed runs go.
    var target = Target.leader
    /// Concurrent clients, one connection each.
    var clients = 64
    /// Measured seconds per workload.
    var duration = 10.0
    /// Unmeasured seconds before each workload's measurement (connections open, caches warm).
    var warmup = 2.0
    /// Keys the key workloads cycle through (and the preload writes).
    var keys = 10_000
    /// Leases granted before the keepalive and lease-kv workloads.
    var leases = 1_000
    /// Bytes of each value (raftd: PUT body and keepalive data; etcd: the put value).
    var valueSize = 100
    /// Workloads to run, in order.
    var workloads: [Workload] = []
    /// Event loop threads of the client.
    var threads = 1
    /// etcd: the JSON gateway prefix; nil means detect (/v3, /v3beta, /v3alpha).
    var etcdGateway: String?
    /// Print usage and exit.
    var help = false

    static let usage = """
        usage: cluster-bench --system raftd|etcd (--workload W[,W...] | --all)
                             [--endpoints HOST:PORT[,HOST:PORT...]] [--target leader|HOST:PORT[,...]]
                             [--clients C] [--duration S] [--warmup S] [--keys N] [--leases L]
                             [--value-size B] [--threads T] [--etcd-gateway /v3]

        A closed-loop HTTP load generator: C clients, each on one keep-alive connection, each sending
        its next request as soon as the previous response ends, for --duration seconds after
        --warmup seconds. Prints a markdown table (requests/s, latency percentiles, non-2xx and errors)
        to standard output and progress to standard error.

          --system S        raftd (default) or etcd (its v3 JSON gateway)
          --workload LIST   raftd: put, get, get-consistent, get-stale, grant, keepalive, lease-kv
                            etcd:  put, get (linearizable), get-stale (serializable), grant, keepalive
          --all             every workload of the system, in that order
          --endpoints LIST  cluster members to ask for the leader (default 127.0.0.1:7200 for raftd,
                            127.0.0.1:2379 for etcd)
          --target T        leader (default): every client on the leader's HTTP address, found with
                            raftd's GET /status (leaderAddr) or etcd's maintenance/status; or an
                            explicit HOST:PORT list that the clients are spread over, round robin
          --clients C       concurrent clients (default 64)
          --duration S      measured seconds per workload (default 10)
          --warmup S        unmeasured seconds before each measurement (default 2)
          --keys N          keys cycled through, bench/0 ... bench/N-1 (default 10000)
          --leases L        leases granted before keepalive and lease-kv (default 1000)
          --value-size B    bytes per value (default 100)
          --threads T       client event loop threads (default 1: the servers need the cores)
          --etcd-gateway P  etcd's JSON gateway prefix (default: detect /v3, /v3beta, /v3alpha)

        A 3xx response counts as an error (a target that is not the leader); the exit status is 1 when
        any request failed or got a non-2xx status.
        """

    /// Parses `arguments` (without the program name); accepts `--name value` and `--name=value`.
    init(parsing arguments: [String]) throws {
        var remaining = arguments[...]
        var all = false
        var endpointsGiven = false
        while let argument = remaining.popFirst() {
            var name = argument
            var value: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            func requireValue() throws -> String {
                if let value { return value }
                guard let next = remaining.popFirst() else { throw BenchError("\(name) needs a value") }
                return next
            }
            switch name {
            case "--system":
                let text = try requireValue()
                guard let system = BenchSystem(rawValue: text) else {
                    throw BenchError("unknown system '\(text)' (known: raftd, etcd)")
                }
                self.system = system
            case "--endpoints":
                endpoints = try Endpoint.list(parsing: requireValue())
                endpointsGiven = true
            case "--target":
                let text = try requireValue()
                target = text == "leader" ? .leader : .endpoints(try Endpoint.list(parsing: text))
            case "--clients": clients = try Self.integer(requireValue(), name, in: 1...10_000)
            case "--duration": duration = try Self.seconds(requireValue(), name, minimum: 0.001)
            case "--warmup": warmup = try Self.seconds(requireValue(), name, minimum: 0)
            case "--keys": keys = try Self.integer(requireValue(), name, in: 1...100_000_000)
            case "--leases": leases = try Self.integer(requireValue(), name, in: 1...10_000_000)
            case "--value-size": valueSize = try Self.integer(requireValue(), name, in: 0...(64 << 20))
            case "--threads": threads = try Self.integer(requireValue(), name, in: 1...256)
            case "--workload", "--workloads":
                workloads = try requireValue().split(separator: ",").map { item in
                    guard let workload = Workload(rawValue: String(item)) else {
                        let known = Workload.allCases.map(\.rawValue).joined(separator: ", ")
                        throw BenchError("unknown workload '\(item)' (known: \(known))")
                    }
                    return workload
                }
            case "--all": all = true
            case "--etcd-gateway":
                let prefix = try requireValue()
                guard prefix.hasPrefix("/"), !prefix.hasSuffix("/") else {
                    throw BenchError("--etcd-gateway needs a path like /v3")
                }
                etcdGateway = prefix
            case "--help", "-h": help = true
            default: throw BenchError("unknown argument '\(argument)'\n\(Self.usage)")
            }
        }
        guard !help else { return }
        if all {
            guard workloads.isEmpty else { throw BenchError("give --workload or --all, not both") }
            workloads = system.workloads
        }
        guard !workloads.isEmpty else { throw BenchError("give --workload W or --all\n\(Self.usage)") }
        for workload in workloads where !system.workloads.contains(workload) {
            let known = system.workloads.map(\.rawValue).joined(separator: ", ")
            throw BenchError("\(system.rawValue) has no workload '\(workload.rawValue)' (it has: \(known))")
        }
        if !endpointsGiven {
            if case .endpoints(let targets) = target {
                endpoints = targets
            } else {
                endpoints = [system.defaultEndpoint]
            }
        }
    }

    /// An integer in `range`; `_` and `,` may group digits.
    private static func integer(_ text: String, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard let number = Int(text.filter { $0 != "_" && $0 != "," }), range.contains(number) else {
            throw BenchError("\(name) needs an integer in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return number
    }

    /// A number of seconds, at least `minimum`; an `s` suffix is allowed (`10s`, as hey writes it).
    private static func seconds(_ text: String, _ name: String, minimum: Double) throws -> Double {
        let number = text.hasSuffix("s") ? String(text.dropLast()) : text
        guard let value = Double(number), value.isFinite, value >= minimum, value <= 86_400 else {
            throw BenchError("\(name) needs seconds (at least \(minimum)), not '\(text)'")
        }
        return value
    }
}
