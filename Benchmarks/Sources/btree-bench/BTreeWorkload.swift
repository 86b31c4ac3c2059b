/// The workloads of `btree-bench`: db_bench's, run in transactions as a B+tree is used.
enum BTreeWorkload: String, CaseIterable, Sendable {
    /// N puts of keys 0, 1, ..., N-1 in order, on a fresh database, 1,000 per unsynced transaction.
    case fillseq
    /// N puts of uniformly random keys in [0, N), on a fresh database, 1,000 per unsynced transaction.
    case fillrandom
    /// N puts of random keys into the database left by the previous workload, 1,000 per transaction.
    case overwrite
    /// N/100 random puts, one synced transaction each, on a fresh database of its own.
    case fillsync
    /// `reads` gets of random keys in [0, N), 1,000 per read transaction.
    case readrandom
    /// One read transaction iterating from the first key over `reads` entries (or all).
    case readseq
    /// `reads` times a seek to a random key in [0, N) and 10 nexts, 1,000 seeks per read transaction
    /// on one cursor.
    case seekrandom

    /// The default order.
    static let defaultList: [BTreeWorkload] = [
        .fillseq, .fillrandom, .overwrite, .fillsync, .readrandom, .readseq, .seekrandom,
    ]

    /// Operations per transaction for the batched workloads.
    static let batchSize = 1000

    /// Nexts after each seek of `seekrandom`.
    static let nextsPerSeek = 10

    /// Whether the workload starts by destroying the main database.
    var wantsFreshDatabase: Bool { self == .fillseq || self == .fillrandom }

    /// How many operations the workload performs.
    func operationCount(num: Int, reads: Int) -> Int {
        switch self {
        case .fillseq, .fillrandom, .overwrite: num
        case .fillsync: max(1, num / 100)
        case .readrandom, .readseq, .seekrandom: reads
        }
    }
}
