/// What readers and the writer share, guarded by ``BTreeDB``'s state mutex: the current meta and map,
/// the open read transactions, and the statistics.
struct SharedState {
    /// The meta of the last commit: what a new transaction starts from.
    var meta: Meta
    /// The current map; a transaction keeps the one it started with.
    var map: MemoryMap
    /// Open read transactions, counted by the transaction id (meta) they read.
    var readers: [UInt64: Int] = [:]
    /// Set by ``BTreeDB/close()``.
    var closed = false
    /// Free and pending pages after the last commit.
    var freePages = 0
    var pendingPages = 0
    /// Totals since open.
    var readTransactions = 0
    var commits = 0
    var rollbacks = 0
    var pagesWritten = 0
    var bytesWritten: Int64 = 0
    var splits = 0
    var rebalances = 0
    var overflowPagesWritten = 0
    var remaps = 0
}
