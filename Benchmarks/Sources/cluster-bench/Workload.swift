/// One kind of request cluster-bench sends in a timed run. What each sends depends on the system;
/// see `RaftdSystem` and `EtcdSystem`.
enum Workload: String, Sendable, CaseIterable {
    /// Writes a key (raftd: PUT /key/bench/N; etcd: /v3/kv/put).
    case put
    /// Reads a preloaded key at the system's default level (raftd: leader-local read; etcd:
    /// linearizable range).
    case get
    /// raftd only: reads a preloaded key with `?level=consistent` (linearizable).
    case getConsistent = "get-consistent"
    /// Reads a preloaded key from whichever node gets it (raftd: `?level=stale`; etcd: a serializable
    /// range).
    case getStale = "get-stale"
    /// Grants a lease with a 60 s ttl.
    case grant
    /// Keeps one of the pre-granted leases alive (raftd: with the same key and data every time).
    case keepalive
    /// raftd only: POST /lease/kv/k with `prefix=/bench/1`, over the pre-granted, kept-alive leases.
    case leaseKV = "lease-kv"

    /// Whether the workload reads keys that a preload must write first.
    var needsPreload: Bool { self == .get || self == .getConsistent || self == .getStale }
}
