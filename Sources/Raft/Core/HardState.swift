/// The state a server must make durable before it answers any message that depends on it.
///
/// A vote cast and then forgotten by a crash could elect two leaders in one term; `term` and `vote`
/// are therefore synced before a vote or an append reply leaves. `commit` is kept so that a restarted
/// server need not wait for a leader to know how far it may apply.
public struct HardState: Sendable, Hashable {
    /// The latest term this server has seen.
    public var term: UInt64
    /// The candidate this server voted for in `term`, or 0 for none.
    public var vote: NodeID
    /// The highest log index known to be committed.
    public var commit: UInt64

    /// Creates a hard state; the default is a fresh server's.
    public init(term: UInt64 = 0, vote: NodeID = 0, commit: UInt64 = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }
}
