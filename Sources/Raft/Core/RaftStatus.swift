/// A snapshot of a server's Raft state, for monitoring and for drivers' decisions (for example, to
/// promote a learner once its log has caught up).
public struct RaftStatus: Sendable, Hashable {
    /// This server.
    public var id: NodeID
    /// Its role.
    public var role: RaftRole
    /// Its current term.
    public var term: UInt64
    /// The candidate it voted for in `term`, or 0.
    public var vote: NodeID
    /// The leader it knows of, or 0.
    public var leader: NodeID
    /// The highest index known committed.
    public var commit: UInt64
    /// The highest index handed to the application and acknowledged with `advance()`.
    public var applied: UInt64
    /// The first index still in the log.
    public var firstIndex: UInt64
    /// The last index of the log.
    public var lastIndex: UInt64
    /// The configuration in force (the latest in the log, committed or not).
    public var configuration: Configuration
    /// The index of the entry that set `configuration` (0 or the snapshot's index for the base).
    public var configurationIndex: UInt64
    /// On a leader, what it knows of every member (itself included); empty otherwise.
    public var progress: [NodeID: PeerProgress]
    /// On a leader handing leadership over, the target; otherwise 0.
    public var leadershipTransferee: NodeID
}
