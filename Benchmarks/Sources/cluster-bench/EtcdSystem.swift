import Foundation
import NIOCore

/// etcd's v3 JSON gateway (grpc-gateway; `/v3/...` from etcd 3.4 on, `/v3beta/...` in 3.3). Keys and
/// values are base64 in the JSON; the keys are the same `bench/0` ... `bench/N-1` as raftd's.
///
/// Workloads:
/// - put: `POST /v3/kv/put {"key","value"}`.
/// - get: `POST /v3/kv/range {"key"}`: etcd's default, linearizable read (compare with raftd's
///   get-consistent).
/// - get-stale: `POST /v3/kv/range {"key","serializable":true}`: a local read on the node asked.
/// - grant: `POST /v3/lease/grant {"TTL":60}`.
/// - keepalive: `POST /v3/lease/keepalive {"ID"}` over L leases granted before.
final class EtcdSystem: ClusterSystem {
    /// The command line.
    let options: ClusterBenchOptions
    /// Runs the setup requests.
    let runner: LoadRunner
    /// The gateway's path prefix, `/v3` or `/v3beta`; found by `resolveTargets`.
    private(set) var gateway: String
    /// Whether this run has written every key already (the read workloads preload once).
    private var preloaded = false

    /// An etcd driver for `options`; the gateway is detected in `resolveTargets` unless given.
    init(options: ClusterBenchOptions, runner: LoadRunner) {
        self.options = options
        self.runner = runner
        self.gateway = options.etcdGateway ?? "/v3"
    }

    func resolveTargets() throws -> TargetPlan {
        if options.etcdGateway == nil {
            gateway = try retrying(for: 15) { try detectGateway() }
        }
        let leader = try? retrying(for: 15) { try findLeader() }
        switch options.target {
        case .leader:
            guard let leader else { throw BenchError("no etcd leader found among \(options.endpoints)") }
            return TargetPlan(
                targets: [leader.endpoint], setup: leader.endpoint,
                description: "etcd \(leader.version) leader \(leader.endpoint), gateway \(gateway)")
        case .endpoints(let targets):
            let list = targets.map(\.description).joined(separator: ", ")
            let known = leader.map { "leader \($0.endpoint)" } ?? "leader unknown"
            return TargetPlan(
                targets: targets, setup: targets[0],
                description: "etcd \(leader?.version ?? "?") members \(list) (\(known)), gateway \(gateway)")
        }
    }

    /// The first of /v3, /v3beta, /v3alpha whose `maintenance/status` answers 200 on the first
    /// endpoint that answers at all.
    private func detectGateway() throws -> String {
        var problems: [String] = []
        for endpoint in options.endpoints {
            do {
                for prefix in ["/v3", "/v3beta", "/v3alpha"] {
                    let response = try post(to: endpoint, "\(prefix)/maintenance/status", "{}")
                    if response.status == 200 {
                        logLine("cluster-bench: etcd JSON gateway at \(prefix)")
                        return prefix
                    }
                }
                problems.append("\(endpoint): no JSON gateway at /v3, /v3beta or /v3alpha")
            } catch {
                problems.append("\(error)")
            }
        }
        throw BenchError("etcd gateway not found: " + problems.joined(separator: "; "))
    }

    /// The leader's client endpoint: asks the endpoints in turn for `maintenance/status` (the leader's
    /// member id); the endpoint itself if it leads, otherwise the leader's first client URL from
    /// `cluster/member/list`.
    private func findLeader() throws -> (endpoint: Endpoint, version: String) {
        var problems: [String] = []
        for endpoint in options.endpoints {
            do {
                let response = try post(to: endpoint, "\(gateway)/maintenance/status", "{}")
                guard response.status == 200 else {
                    problems.append("\(endpoint): maintenance/status answered \(response.status)")
                    continue
                }
                let status = try Self.jsonObject(response.body, "maintenance/status")
                let member = (status["header"] as? [String: Any]).flatMap { Self.idText($0["member_id"]) }
                let version = status["version"] as? String ?? "?"
                guard let leader = Self.idText(status["leader"]), leader != "0" else {
                    problems.append("\(endpoint): no leader yet")
                    continue
                }
                var found = endpoint
                if member != leader {
                    let list = try post(to: endpoint, "\(gateway)/cluster/member/list", "{}")
                    let members = try Self.jsonObject(list.body, "cluster/member/list")["members"] as? [[String: Any]]
                    guard let entry = members?.first(where: { Self.idText($0["ID"]) == leader }),
                        let url = (entry["clientURLs"] as? [String])?.first
                    else {
                        problems.append("\(endpoint): leader \(leader) not in cluster/member/list")
                        continue
                    }
                    found = try Endpoint(parsing: url)
                }
                logLine("cluster-bench: etcd leader is \(found) (member \(leader), etcd \(version))")
                return (found, version)
            } catch {
                problems.append("\(error)")
            }
        }
        throw BenchError("no etcd leader found: " + problems.joined(separator: "; "))
    }

    func prepare(_ workload: Workload, plan: TargetPlan) throws -> RequestSet {
        let host = plan.targets[0]
        let value = Data(RaftdSystem.value(size: options.valueSize)).base64EncodedString()
        switch workload {
        case .put:
            return putRequests(host: host, value: value)
        case .get, .getStale:
            if !preloaded {
                logLine("cluster-bench: preloading \(options.keys) keys on \(plan.setup)")
                let responses = try runner.runBatch(
                    requests: putRequests(host: plan.setup, value: value), endpoint: plan.setup,
                    clients: options.clients)
                try requireSuccess(responses, "preload \(gateway)/kv/put", plan.setup)
                preloaded = true
            }
            let extra = workload == .getStale ? ",\"serializable\":true" : ""
            return RequestSet(count: options.keys) { index, buffer in
                let body = "{\"key\":\"\(Self.key(index))\"\(extra)}"
                write(&buffer, "\(gateway)/kv/range", body, host)
            }
        case .grant:
            return RequestSet(count: 1) { _, buffer in write(&buffer, "\(gateway)/lease/grant", "{\"TTL\":60}", host) }
        case .keepalive:
            logLine("cluster-bench: granting \(options.leases) leases on \(plan.setup)")
            let grants = RequestSet(count: options.leases) { _, buffer in
                write(&buffer, "\(gateway)/lease/grant", "{\"TTL\":60}", plan.setup)
            }
            let granted = try runner.runBatch(requests: grants, endpoint: plan.setup, clients: options.clients)
            try requireSuccess(granted, "\(gateway)/lease/grant", plan.setup)
            let ids = try granted.map { response in
                let object = try Self.jsonObject(response.body, "lease/grant")
                guard let id = Self.idText(object["ID"]) else {
                    throw BenchError("lease/grant returned no ID: \(response.text.prefix(200))")
                }
                return id
            }
            return RequestSet(count: ids.count) { index, buffer in
                write(&buffer, "\(gateway)/lease/keepalive", "{\"ID\":\"\(ids[index])\"}", host)
            }
        case .getConsistent, .leaseKV:
            throw BenchError("etcd has no workload '\(workload.rawValue)'")
        }
    }

    /// `kv/put` of every key with `value` (base64).
    private func putRequests(host: Endpoint, value: String) -> RequestSet {
        RequestSet(count: options.keys) { index, buffer in
            write(&buffer, "\(gateway)/kv/put", "{\"key\":\"\(Self.key(index))\",\"value\":\"\(value)\"}", host)
        }
    }

    /// Appends `POST path` with a JSON `body` to `buffer`.
    private func write(_ buffer: inout ByteBuffer, _ path: String, _ body: String, _ host: Endpoint) {
        HTTPRequestEncoding.write(
            into: &buffer, method: "POST", target: path, host: host, contentType: HTTPRequestEncoding.json,
            body: Array(body.utf8))
    }

    /// Sends one `POST path` with a JSON body to `endpoint`.
    private func post(to endpoint: Endpoint, _ path: String, _ body: String) throws -> BatchResponse {
        try runner.send(to: endpoint) { buffer in write(&buffer, path, body, endpoint) }
    }

    /// Key `bench/N`, base64.
    static func key(_ index: Int) -> String {
        Data("bench/\(index)".utf8).base64EncodedString()
    }

    /// The JSON object in `body`, or a clear error naming `what` answered it.
    static func jsonObject(_ body: [UInt8], _ what: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            let shown = String(decoding: body.prefix(200), as: UTF8.self)
            throw BenchError("\(what) did not return a JSON object: \(shown)")
        }
        return object
    }

    /// A 64-bit id as the gateway writes it (a string, as grpc-gateway encodes 64-bit integers) or a
    /// number, as decimal text.
    static func idText(_ value: Any?) -> String? {
        switch value {
        case let text as String: UInt64(text) != nil || Int64(text) != nil ? text : nil
        case let number as NSNumber: number.stringValue
        default: nil
        }
    }
}
