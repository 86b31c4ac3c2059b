/// One of LevelDB db_bench's workloads, with the semantics db_bench gives it. lsm-bench runs them as
/// db_bench does (one write per call); btree-bench groups fills and reads in transactions (see its
/// `BTreeWorkloadRunner`).
public enum Workload: String, CaseIterable, Sendable {
    /// N puts of keys 0, 1, ..., N-1 in order, on a fresh database.
    case fillseq
    /// N puts of uniformly random keys in [0, N), on a fresh database.
    case fillrandom
    /// N puts of uniformly random keys in [0, N) into the database left by the previous workload.
    case overwrite
    /// N/100 puts of random keys, each synced to disk before it returns, on a fresh database of its
    /// own (so that the database of the fills before it survives for the reads after it). The main
    /// database is closed meanwhile, so that its compactions do not compete with the fsyncs.
    case fillsync
    /// `reads` gets of uniformly random keys in [0, N).
    case readrandom
    /// One iterator from the first key, reading `reads` entries (or all, if fewer) in order.
    case readseq
    /// `reads` times: a new iterator, a seek to a uniformly random key in [0, N), then 10 nexts.
    case seekrandom

    /// The order db_bench runs these in when every one is asked for, and the default list.
    public static let defaultList: [Workload] = [
        .fillseq, .fillrandom, .overwrite, .fillsync, .readrandom, .readseq, .seekrandom,
    ]

    /// Whether the workload starts by destroying the main database (db_bench's `fresh_db`).
    public var wantsFreshDatabase: Bool { self == .fillseq || self == .fillrandom }

    /// How many operations the workload performs for a database of `num` keys and `reads` reads.
    public func operationCount(num: Int, reads: Int) -> Int {
        switch self {
        case .fillseq, .fillrandom, .overwrite: num
        case .fillsync: max(1, num / 100)
        case .readrandom, .readseq, .seekrandom: reads
        }
    }

    /// Nexts after each seek of `seekrandom`.
    public static let nextsPerSeek = 10
}
