/// Where a lease is in its life.
enum LeaseState: UInt8, Sendable {
    /// Granted, never kept alive: it expires `ttl` seconds after the grant.
    case created = 0
    /// Kept alive at least once: it lives while any of its keys does.
    case alive = 1

    /// The name API.md uses for the state.
    var name: String {
        switch self {
        case .created: "CREATE"
        case .alive: "ALIVE"
        }
    }
}
