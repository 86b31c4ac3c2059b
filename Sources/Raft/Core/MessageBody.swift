/// The content of a ``Message``, one case per RPC.
public enum MessageBody: Sendable, Hashable {
    /// A candidate (or pre-candidate, when `preVote`) asks for a vote. `lastLogIndex`/`lastLogTerm`
    /// describe its log so that voters grant only to candidates at least as up to date as themselves.
    /// `leadershipTransfer` is set when the leader asked the candidate to campaign (``timeoutNow``),
    /// so voters that still hear from that leader vote anyway.
    case requestVote(lastLogIndex: UInt64, lastLogTerm: UInt64, preVote: Bool, leadershipTransfer: Bool)
    /// The answer to a ``requestVote(lastLogIndex:lastLogTerm:preVote:leadershipTransfer:)``.
    case voteResponse(granted: Bool, preVote: Bool)
    /// The leader replicates `entries` (indices `prevLogIndex + 1` onwards) after the entry at
    /// `prevLogIndex` of term `prevLogTerm`, and tells how far the log is committed.
    case appendEntries(prevLogIndex: UInt64, prevLogTerm: UInt64, entries: [Entry], commit: UInt64)
    /// The answer to an append. Accepted: `index` is the last index the follower now holds in common
    /// with the leader. Rejected: `index` is the rejected `prevLogIndex`, and (`hintIndex`,
    /// `hintTerm`) is the follower's last entry at or below it whose term is at most the leader's
    /// `prevLogTerm`, so the leader can skip a whole conflicting term at once.
    case appendResponse(rejected: Bool, index: UInt64, hintIndex: UInt64, hintTerm: UInt64)
    /// The leader's heartbeat: it asserts leadership and carries the commit index (at most what the
    /// follower is known to hold). A non-empty `context` is the latest pending ReadIndex request,
    /// which the response echoes.
    case heartbeat(commit: UInt64, context: [UInt8])
    /// The answer to a heartbeat, echoing its context.
    case heartbeatResponse(context: [UInt8])
    /// One piece of a snapshot the leader sends to a follower that needs entries the leader compacted.
    /// The core emits one with metadata only; the driver streams the snapshot's bytes as chunks.
    case installSnapshot(SnapshotChunk)
    /// The leader asks a caught-up follower to campaign at once (leadership transfer).
    case timeoutNow
    /// A follower forwards a linearizable-read request to the leader.
    case readIndex(context: [UInt8])
    /// The leader answers a forwarded read: reads may be served once `index` is applied.
    case readIndexResponse(index: UInt64, context: [UInt8])
}
