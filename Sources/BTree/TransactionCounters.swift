/// What one write transaction did, added to the database's totals when it commits.
struct TransactionCounters {
    /// Nodes rebalance looked at.
    var rebalances = 0
    /// Extra pages made by splitting nodes larger than a page.
    var splits = 0
    /// Pages of overflow runs written.
    var overflowPagesWritten = 0
}
