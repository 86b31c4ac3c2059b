/// One membership change, carried by an entry of kind `.configurationChange`.
///
/// Changes are made one server at a time, so any two consecutive configurations share a majority
/// (the single-server rule of Ongaro's thesis, §4.1).
public enum ConfigurationChange: Sendable, Hashable {
    /// Adds a server as a learner (it receives the log, does not vote).
    case addLearner(Member)
    /// Adds a server as a voter, or promotes a learner.
    case addVoter(Member)
    /// Removes a server.
    case remove(NodeID)
}
