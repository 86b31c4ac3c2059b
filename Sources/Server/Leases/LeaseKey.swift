/// One key attached to a lease by a keepalive: its name, the data the service published with it,
/// and the Raft index of the command that last set or revived it.
struct LeaseKey: Sendable, Hashable {
    /// The key's name, e.g. `nodeinfo`.
    var name: [UInt8]
    /// The data the last keepalive carried.
    var data: [UInt8]
    /// The Raft index of the command that last changed this key. An expiry names the revision it saw,
    /// so an expiry that raced with a newer keepalive changes nothing.
    var revision: UInt64
}
