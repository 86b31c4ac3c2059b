/// One countdown that ran out on the leader, as an expire command carries it.
struct LeaseExpiry: Sendable, Hashable {
    /// The lease.
    var lease: UInt64
    /// The key whose countdown ran out, or `nil` for a lease never kept alive.
    var key: [UInt8]?
    /// The revision the leader saw: the key's, or the lease's grant revision. An expiry whose
    /// revision no longer matches (a keepalive changed the key in between) changes nothing.
    var revision: UInt64
}
