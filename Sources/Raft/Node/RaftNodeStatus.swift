/// What a ``RaftNode`` reports about itself, refreshed after every step of its loop.
public struct RaftNodeStatus: Sendable, Equatable {
    /// The node's id.
    public var id: NodeID
    /// Leader, follower or candidate.
    public var role: RaftRole
    /// The current term.
    public var term: UInt64
    /// The leader this node knows of, or 0.
    public var leader: NodeID
    /// The highest index known committed.
    public var commitIndex: UInt64
    /// The highest index applied to the state machine.
    public var appliedIndex: UInt64
    /// The configuration in force.
    public var configuration: Configuration
    /// The index of the latest snapshot, or 0.
    public var snapshotIndex: UInt64
    /// Times this node saw the leader change (including to "no leader").
    public var leaderChanges: UInt64
    /// On a leader, how far each member's log is known to match the leader's; empty elsewhere.
    public var matchIndex: [NodeID: UInt64]
    /// Why the node stopped, if it did.
    public var stoppedReason: String?
}
