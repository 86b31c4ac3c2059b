/// The volatile part of a server's state that the driver may want to observe: who leads and what
/// this server is. Nothing of it needs to be persisted.
public struct SoftState: Sendable, Hashable {
    /// The leader this server knows of, or 0.
    public var leader: NodeID
    /// This server's role.
    public var role: RaftRole

    /// Creates a soft state.
    public init(leader: NodeID, role: RaftRole) {
        self.leader = leader
        self.role = role
    }
}
