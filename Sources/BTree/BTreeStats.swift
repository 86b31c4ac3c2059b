/// Counters and sizes describing a database, from ``BTreeDB/stats()``. Totals count since the
/// database was opened.
public struct BTreeStats: Sendable, Equatable, CustomStringConvertible {
    /// Bytes per page.
    public var pageSize: Int
    /// Pages in use or free: the high-water mark of the file (the last commit's page count).
    public var pageCount: Int
    /// Pages a write transaction may reuse now.
    public var freePages: Int
    /// Pages freed by recent commits, waiting for older read transactions to end.
    public var pendingPages: Int
    /// Bytes of the file (may exceed `pageCount * pageSize` after a failed commit).
    public var fileSize: Int64
    /// Bytes of address space the current memory map covers.
    public var mapSize: Int
    /// Id of the last committed transaction.
    public var transactionID: UInt64
    /// Read-only transactions open now.
    public var openReadTransactions: Int
    /// Read-only transactions started.
    public var readTransactions: Int
    /// Write transactions committed.
    public var commits: Int
    /// Write transactions rolled back (the closure threw, or the commit failed).
    public var rollbacks: Int
    /// Pages written by commits, meta pages included.
    public var pagesWritten: Int
    /// Bytes written by commits.
    public var bytesWritten: Int64
    /// Extra pages produced by splitting nodes that outgrew a page.
    public var splits: Int
    /// Nodes examined by rebalance after deletes.
    public var rebalances: Int
    /// Pages of overflow runs written for large values.
    public var overflowPagesWritten: Int
    /// Times a commit mapped a larger region because the file outgrew the map.
    public var remaps: Int

    /// Creates statistics from their fields.
    public init(
        pageSize: Int, pageCount: Int, freePages: Int, pendingPages: Int, fileSize: Int64, mapSize: Int,
        transactionID: UInt64, openReadTransactions: Int, readTransactions: Int, commits: Int, rollbacks: Int,
        pagesWritten: Int, bytesWritten: Int64, splits: Int, rebalances: Int, overflowPagesWritten: Int,
        remaps: Int
    ) {
        self.pageSize = pageSize
        self.pageCount = pageCount
        self.freePages = freePages
        self.pendingPages = pendingPages
        self.fileSize = fileSize
        self.mapSize = mapSize
        self.transactionID = transactionID
        self.openReadTransactions = openReadTransactions
        self.readTransactions = readTransactions
        self.commits = commits
        self.rollbacks = rollbacks
        self.pagesWritten = pagesWritten
        self.bytesWritten = bytesWritten
        self.splits = splits
        self.rebalances = rebalances
        self.overflowPagesWritten = overflowPagesWritten
        self.remaps = remaps
    }

    /// One field per line.
    public var description: String {
        """
        page size: \(pageSize)
        pages: \(pageCount) (free \(freePages), pending \(pendingPages))
        file size: \(fileSize), map size: \(mapSize)
        transaction id: \(transactionID)
        read transactions: \(readTransactions) (open \(openReadTransactions))
        commits: \(commits), rollbacks: \(rollbacks)
        pages written: \(pagesWritten) (\(bytesWritten) bytes), overflow pages written: \(overflowPagesWritten)
        splits: \(splits), rebalances: \(rebalances), remaps: \(remaps)
        """
    }
}
