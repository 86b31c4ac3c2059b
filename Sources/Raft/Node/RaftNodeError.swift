/// Why a ``RaftNode`` request failed.
public enum RaftNodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// This node is not the leader; `leader` is the one it knows of, if any.
    case notLeader(leader: NodeID?)
    /// The proposal's entry was replaced by another leader's before it committed: it will never
    /// apply. Retrying is safe.
    case proposalDropped
    /// No answer in time (no quorum, or a request lost in a leader change). The request may still
    /// take effect.
    case timedOut
    /// The request is invalid (a membership change that breaks the rules, say); the reason says why.
    case rejected(String)
    /// The node has stopped, by ``RaftNode/stop()`` or because its storage failed (the reason).
    case stopped(String)

    public var description: String {
        switch self {
        case .notLeader(let leader?): "not the leader; the leader is \(leader)"
        case .notLeader(nil): "not the leader; no leader is known"
        case .proposalDropped: "the proposal was dropped by a leader change"
        case .timedOut: "timed out"
        case .rejected(let reason): "rejected: \(reason)"
        case .stopped(let reason): "the node has stopped: \(reason)"
        }
    }
}
