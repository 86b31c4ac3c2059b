import Testing

/// A suite trait that starts one raftd cluster for the whole suite and stops it after the suite's
/// last test: its tests reach it through ``RaftdCluster/shared()``. Tests of such a suite must
/// leave every node running (they may restart nodes, not remove them), so the next test finds a
/// whole cluster.
struct SharedClusterTrait: SuiteTrait, TestScoping {
    /// How many nodes the cluster starts with.
    var nodes: Int

    /// Once for the suite, not once per test.
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await RaftdCluster.with(name: test.name, nodes: nodes, test: test) { cluster in
            try await RaftdCluster.$current.withValue(cluster) { try await function() }
        }
    }
}

extension Trait where Self == SharedClusterTrait {
    /// One cluster of `nodes` nodes for the whole suite.
    static func sharedCluster(nodes: Int = 3) -> Self { SharedClusterTrait(nodes: nodes) }
}
