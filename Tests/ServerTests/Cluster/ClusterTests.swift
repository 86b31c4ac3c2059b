import Testing

/// The multi-process tests of raftd (issue 5, "What proves it"): real `raftd` processes on loopback,
/// on ports picked at run time, driven over HTTP. The suites run one at a time, so that at most one
/// cluster loads the machine and the lease timing checks are not starved.
///
/// Run them alone with `swift test --filter ClusterTests`; replay a randomized one with
/// `SERVER_TEST_SEED=<seed>`.
@Suite("raftd clusters", .serialized)
struct ClusterTests {}
