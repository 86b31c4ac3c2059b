/// Why the core refused a request.
public enum RaftError: Error, Hashable, Sendable {
    /// Only the leader accepts this request. `leader` is the leader this server knows of, or 0.
    case notLeader(leader: NodeID)
    /// The leader is handing leadership over and accepts no proposal until that ends.
    case leadershipTransferInProgress
    /// A membership change is still uncommitted, or the new leader has not yet committed an entry of
    /// its term: changes are made one at a time.
    case configurationChangeInProgress
    /// The change cannot apply to the current configuration (the reason says why).
    case invalidConfigurationChange(String)
    /// An argument is out of range (the reason says which).
    case invalidArgument(String)
}

extension RaftError: CustomStringConvertible {
    /// A one-line, human-readable account of the error.
    public var description: String {
        switch self {
        case .notLeader(let leader):
            return leader == 0 ? "not the leader; no leader is known" : "not the leader; the leader is \(leader)"
        case .leadershipTransferInProgress:
            return "a leadership transfer is in progress"
        case .configurationChangeInProgress:
            return "a configuration change is in progress"
        case .invalidConfigurationChange(let reason):
            return "invalid configuration change: \(reason)"
        case .invalidArgument(let reason):
            return "invalid argument: \(reason)"
        }
    }
}
