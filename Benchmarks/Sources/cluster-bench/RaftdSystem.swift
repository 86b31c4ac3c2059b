import Foundation
import NIOCore

/// raftd's HTTP API (../shared/API.md). Keys are `bench/0` ... `bench/N-1`; leases are named
/// `/bench/0` ... `/bench/L-1` and each is kept alive with key `k`.
///
/// Workloads:
/// - put: `PUT /key/bench/N`, a `--value-size`-byte body.
/// - get, get-consistent, get-stale: `GET /key/bench/N` with no level, `?level=consistent`,
///   `?level=stale`, after a preload that writes every key once.
/// - grant: `POST /lease/grant?ttl=60&name=/bench/N`.
/// - keepalive: `POST /lease/keepalive/ID`, form `key=k&data=D` with the same D each time, over L
///   leases granted and kept alive once before (so the timed run measures refreshes, which must not
///   cost a Raft entry each).
/// - lease-kv: `POST /lease/kv/k`, form `prefix=/bench/1`, with the same L leases kept alive (111 of
///   1000 names start with /bench/1).
final class RaftdSystem: ClusterSystem {
    /// The command line.
    let options: ClusterBenchOptions
    /// Runs the setup requests.
    let runner: LoadRunner
    /// Whether this run has written every key already (the read workloads preload once).
    private var preloaded = false

    /// A raftd driver for `options`.
    init(options: ClusterBenchOptions, runner: LoadRunner) {
        self.options = options
        self.runner = runner
    }

    func resolveTargets() throws -> TargetPlan {
        switch options.target {
        case .leader:
            let leader = try findLeader()
            return TargetPlan(targets: [leader], setup: leader, description: "raftd leader \(leader)")
        case .endpoints(let targets):
            // Writes must reach the leader; if none is found, setup goes to the first target and a
            // redirect there shows up as a setup error.
            let leader = try? findLeader()
            let list = targets.map(\.description).joined(separator: ", ")
            return TargetPlan(
                targets: targets, setup: leader ?? targets[0],
                description: "raftd nodes \(list) (leader \(leader?.description ?? "unknown"))")
        }
    }

    /// Asks each of `--endpoints` for `GET /status` until one names a leader (`leaderAddr`, the
    /// leader's HTTP address), for up to 15 seconds.
    func findLeader() throws -> Endpoint {
        try retrying(for: 15) {
            var problems: [String] = []
            for endpoint in options.endpoints {
                do {
                    let response = try runner.send(to: endpoint) { buffer in
                        HTTPRequestEncoding.write(into: &buffer, method: "GET", target: "/status", host: endpoint)
                    }
                    guard response.status == 200 else {
                        problems.append("\(endpoint): GET /status answered \(response.status)")
                        continue
                    }
                    if let leader = try Self.leaderAddress(inStatus: response.body) {
                        logLine("cluster-bench: \(endpoint) says the leader is \(leader)")
                        try checkLeader(leader, namedBy: endpoint)
                        return leader
                    }
                    problems.append("\(endpoint): no leader yet")
                } catch {
                    problems.append("\(error)")
                }
            }
            throw BenchError("no raftd leader found: " + problems.joined(separator: "; "))
        }
    }

    /// Checks that `leader` answers `GET /status` with JSON, so that a `leaderAddr` that is not an HTTP
    /// address (a Raft address, say) fails here with a clear error, not in the timed run; warns when
    /// it names another leader.
    private func checkLeader(_ leader: Endpoint, namedBy endpoint: Endpoint) throws {
        let response: BatchResponse
        do {
            response = try runner.send(to: leader) { buffer in
                HTTPRequestEncoding.write(into: &buffer, method: "GET", target: "/status", host: leader)
            }
        } catch {
            throw BenchError("leaderAddr \(leader) from \(endpoint) does not answer GET /status over HTTP: \(error)")
        }
        guard response.status == 200 else {
            throw BenchError("leaderAddr \(leader) from \(endpoint): GET /status answered HTTP \(response.status)")
        }
        let itsLeader = try Self.leaderAddress(inStatus: response.body)
        if itsLeader != leader {
            logLine("cluster-bench: warning: \(leader) names \(itsLeader?.description ?? "no leader") as leader")
        }
    }

    /// The leader's HTTP address in a `/status` body: the JSON field `leaderAddr` (a `HOST:PORT` or
    /// `http://HOST:PORT`); nil when it is missing or empty (no leader known).
    static func leaderAddress(inStatus body: [UInt8]) throws -> Endpoint? {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(body))
        } catch {
            throw BenchError("GET /status did not return JSON: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        guard let status = object as? [String: Any] else {
            throw BenchError("GET /status did not return a JSON object")
        }
        guard let address = status["leaderAddr"] as? String, !address.isEmpty else { return nil }
        return try Endpoint(parsing: address)
    }

    func prepare(_ workload: Workload, plan: TargetPlan) throws -> RequestSet {
        let host = plan.targets[0]
        let value = Self.value(size: options.valueSize)
        switch workload {
        case .put:
            return putRequests(host: host, value: value)
        case .get, .getConsistent, .getStale:
            try preload(plan: plan, value: value)
            let query =
                switch workload {
                case .getConsistent: "?level=consistent"
                case .getStale: "?level=stale"
                default: ""
                }
            return RequestSet(count: options.keys) { index, buffer in
                HTTPRequestEncoding.write(
                    into: &buffer, method: "GET", target: "/key/bench/\(index)\(query)", host: host)
            }
        case .grant:
            return RequestSet(count: options.keys) { index, buffer in
                HTTPRequestEncoding.write(
                    into: &buffer, method: "POST", target: "/lease/grant?ttl=60&name=/bench/\(index)", host: host)
            }
        case .keepalive:
            let ids = try grantAndKeepAlive(plan: plan, data: value)
            return keepaliveRequests(ids: ids, host: host, data: value)
        case .leaseKV:
            _ = try grantAndKeepAlive(plan: plan, data: value)
            return RequestSet(count: 1) { _, buffer in
                HTTPRequestEncoding.write(
                    into: &buffer, method: "POST", target: "/lease/kv/k", host: host,
                    contentType: HTTPRequestEncoding.form, body: Array("prefix=/bench/1".utf8))
            }
        }
    }

    /// `PUT /key/bench/N` for every key.
    private func putRequests(host: Endpoint, value: [UInt8]) -> RequestSet {
        RequestSet(count: options.keys) { index, buffer in
            HTTPRequestEncoding.write(
                into: &buffer, method: "PUT", target: "/key/bench/\(index)", host: host,
                contentType: HTTPRequestEncoding.octetStream, body: value)
        }
    }

    /// Writes every key once (once per run), so that the reads find them.
    private func preload(plan: TargetPlan, value: [UInt8]) throws {
        guard !preloaded else { return }
        logLine("cluster-bench: preloading \(options.keys) keys on \(plan.setup)")
        let responses = try runner.runBatch(
            requests: putRequests(host: plan.setup, value: value), endpoint: plan.setup, clients: options.clients)
        try requireSuccess(responses, "preload PUT /key/bench/N", plan.setup)
        preloaded = true
    }

    /// Grants `--leases` leases (ttl 60 s, names /bench/0 ...) and keeps each alive once with key `k`
    /// and `data`; returns their ids.
    private func grantAndKeepAlive(plan: TargetPlan, data: [UInt8]) throws -> [UInt64] {
        logLine("cluster-bench: granting \(options.leases) leases on \(plan.setup)")
        let grants = RequestSet(count: options.leases) { index, buffer in
            HTTPRequestEncoding.write(
                into: &buffer, method: "POST", target: "/lease/grant?ttl=60&name=/bench/\(index)", host: plan.setup)
        }
        let granted = try runner.runBatch(requests: grants, endpoint: plan.setup, clients: options.clients)
        try requireSuccess(granted, "POST /lease/grant", plan.setup)
        let ids = try granted.map { response in
            let text = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let id = UInt64(text) else {
                throw BenchError("POST /lease/grant returned '\(text.prefix(100))', not a lease id")
            }
            return id
        }
        let first = try runner.runBatch(
            requests: keepaliveRequests(ids: ids, host: plan.setup, data: data), endpoint: plan.setup,
            clients: options.clients)
        try requireSuccess(first, "first POST /lease/keepalive/ID", plan.setup)
        return ids
    }

    /// `POST /lease/keepalive/ID` with form `key=k&data=DATA` for each lease.
    private func keepaliveRequests(ids: [UInt64], host: Endpoint, data: [UInt8]) -> RequestSet {
        let form = Array("key=k&data=".utf8) + data
        return RequestSet(count: ids.count) { index, buffer in
            HTTPRequestEncoding.write(
                into: &buffer, method: "POST", target: "/lease/keepalive/\(ids[index])", host: host,
                contentType: HTTPRequestEncoding.form, body: form)
        }
    }

    /// `size` bytes of `a` to `z`, repeating: printable, and safe in a form without escaping.
    static func value(size: Int) -> [UInt8] {
        (0..<size).map { UInt8(ascii: "a") + UInt8($0 % 26) }
    }
}
