/// The role a server plays in its current term.
public enum RaftRole: Sendable, Hashable {
    /// Follows a leader (or waits for one).
    case follower
    /// Asks whether it could win an election, without raising its term (pre-vote).
    case preCandidate
    /// Campaigns for leadership in its term.
    case candidate
    /// Leads the term: takes proposals and replicates the log.
    case leader
}
