/// What a lease countdown is for: a lease that was never kept alive, or one key of a lease.
enum LeaseTimer: Hashable, Sendable {
    /// The lease itself, counting from its grant until its first keepalive.
    case lease(UInt64)
    /// One key of a lease, counting from its last keepalive.
    case key(lease: UInt64, name: [UInt8])

    /// The lease the timer belongs to.
    var leaseID: UInt64 {
        switch self {
        case .lease(let id): id
        case .key(let id, _): id
        }
    }
}
