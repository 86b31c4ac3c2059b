extension Bucket {
    /// The shape of this bucket's tree (and its nested buckets') as stored in pages: as of the last
    /// commit for a bucket changed in the current write transaction.
    public func stats() throws -> BucketStats {
        try ensureUsable()
        var stats = BucketStats()
        guard header.root != 0 else { return stats }
        try collect(pageID: header.root, level: 1, into: &stats)
        return stats
    }

    private func collect(pageID: UInt64, level: Int, into stats: inout BucketStats) throws {
        guard level <= TreePath.maxDepth else { throw tx.space.corruption(pageID, "tree too deep") }
        let page = try tx.space.treePage(pageID)
        stats.depth = max(stats.depth, level)
        let count = page.count
        if page.isLeaf {
            stats.leafPages += 1
            var used = Page.headerSize
            for i in 0..<count {
                used += Page.leafElementSize + page.leafKey(i).count + page.leafInline(i).count
                switch page.leafFlags(i) {
                case LeafFlags.bucket:
                    stats.nestedBuckets += 1
                    if let bytes = page.leafInline(i).baseAddress {
                        let nested = Bucket(tx: tx, name: [UInt8](page.leafKey(i)), header: BucketHeader(bytes))
                        let inner = try nested.stats()
                        stats.keys += inner.keys
                        stats.nestedBuckets += inner.nestedBuckets
                        stats.branchPages += inner.branchPages
                        stats.leafPages += inner.leafPages
                        stats.overflowPages += inner.overflowPages
                        stats.branchBytesInUse += inner.branchBytesInUse
                        stats.leafBytesInUse += inner.leafBytesInUse
                    }
                case LeafFlags.overflow:
                    stats.keys += 1
                    stats.overflowPages += tx.space.overflowPages(forValueLength: page.leafValueSize(i))
                default:
                    stats.keys += 1
                }
            }
            stats.leafBytesInUse += used
        } else {
            stats.branchPages += 1
            var used = Page.headerSize
            for i in 0..<count {
                used += Page.branchElementSize + page.branchKey(i).count
                try collect(pageID: page.branchChild(i), level: level + 1, into: &stats)
            }
            stats.branchBytesInUse += used
        }
    }
}
