/// A server of the cluster as the configuration records it.
public struct Member: Sendable, Hashable {
    /// Whether a member votes and counts towards quorums.
    public enum Role: UInt8, Sendable, Hashable {
        /// Votes, counts towards quorums, may become leader.
        case voter = 0
        /// Receives the log but neither votes nor counts towards quorums, so that a new server
        /// can catch up before it changes the quorum.
        case learner = 1
    }

    /// The member's id.
    public var id: NodeID
    /// Where its Raft transport listens, e.g. "127.0.0.1:8101". Raft itself only carries it; the
    /// transport uses it to connect.
    public var address: String
    /// Voter or learner.
    public var role: Role

    /// Creates a member.
    public init(id: NodeID, address: String, role: Role = .voter) {
        self.id = id
        self.address = address
        self.role = role
    }
}
