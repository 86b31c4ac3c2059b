/// What the HTTP API needs from a raftd node. ``RaftdResponder`` turns HTTP requests into these
/// calls and their results and errors into responses; the node decides leadership, replication and
/// storage. Every method throws only ``APIError``.
protocol NodeService: Sendable {
    /// Stores `value` under `key` once committed and applied.
    func putKey(_ key: [UInt8], value: [UInt8]) async throws(APIError)
    /// Removes `key` once committed and applied.
    func deleteKey(_ key: [UInt8]) async throws(APIError)
    /// The value of `key` at the freshness `level` asks for, or `nil`.
    func getKey(_ key: [UInt8], level: ReadLevel) async throws(APIError) -> [UInt8]?
    /// Grants a lease and returns its id.
    func grantLease(name: [UInt8], ttl: UInt32) async throws(APIError) -> UInt64
    /// Keeps key `key` of lease `id` alive with `data`.
    func keepAlive(lease id: UInt64, key: [UInt8], data: [UInt8]) async throws(APIError)
    /// Revokes lease `id`.
    func revokeLease(_ id: UInt64) async throws(APIError)
    /// The state and countdowns of lease `id`.
    func timeToLive(_ id: UInt64) async throws(APIError) -> LeaseStatus
    /// The data of every live key whose name starts with `keyPrefix`, in every live lease whose name
    /// starts with `namePrefix`.
    func leaseData(keyPrefix: [UInt8], namePrefix: [UInt8]) async throws(APIError) -> [[UInt8]]
    /// Every lease.
    func listLeases() async throws(APIError) -> [LeaseStatus]
    /// Adds (or re-adds) a member.
    func join(id: String, httpAddress: String, raftAddress: String) async throws(APIError)
    /// Removes a member.
    func remove(id: String) async throws(APIError)
    /// The node's view of itself and the cluster.
    func status() async -> NodeStatus
    /// The Prometheus text exposition of the node's metrics.
    func metrics() async -> String
}
