import Testing

extension ClusterTests {
    /// Checks that share one three-node cluster started as the seed's README starts it, whose nodes
    /// are never killed: the seed's scenario, redirects, bad input and lease timing under a stable
    /// leader. Each check uses keys and lease names of its own, so the order they run in does not
    /// matter.
    @Suite("Three nodes, stable leader", .sharedCluster(nodes: 3))
    struct StableClusterTests {}
}
