/// The kind of cluster cluster-bench drives; it decides the requests of every workload.
enum BenchSystem: String, Sendable, CaseIterable {
    /// raftd's HTTP API (../shared/API.md): /key, /lease, /status.
    case raftd
    /// etcd's v3 JSON gateway (grpc-gateway): /v3/kv/put, /v3/kv/range, /v3/lease/...
    case etcd

    /// The workloads this system supports, in the order `--all` runs them.
    var workloads: [Workload] {
        switch self {
        case .raftd: [.put, .get, .getConsistent, .getStale, .grant, .keepalive, .leaseKV]
        case .etcd: [.put, .get, .getStale, .grant, .keepalive]
        }
    }

    /// The endpoint `--endpoints` defaults to: the first node as raftd's and etcd's docs start it.
    var defaultEndpoint: Endpoint {
        switch self {
        case .raftd: Endpoint(host: "127.0.0.1", port: 7200)
        case .etcd: Endpoint(host: "127.0.0.1", port: 2379)
        }
    }
}
