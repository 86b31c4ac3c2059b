/// What the leader knows of one member's log, as ``RaftStatus`` reports it.
public struct PeerProgress: Sendable, Hashable {
    /// The highest index known to match the leader's log.
    public var match: UInt64
    /// The next index the leader will send.
    public var next: UInt64
    /// How the leader currently replicates to the member.
    public var state: ReplicationState
    /// Whether the member was heard from in the current check-quorum period.
    public var recentActive: Bool
}
