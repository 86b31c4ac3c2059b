/// A failure of the cluster harness or of a cluster test's expectation that cannot go on (a node
/// that never starts, a leader that never appears, a malformed HTTP answer); its message says what.
struct ClusterError: Error, CustomStringConvertible {
    /// What went wrong, with the context needed to diagnose it.
    var description: String

    init(_ description: String) { self.description = description }
}
