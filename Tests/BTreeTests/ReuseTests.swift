import BTree
import Testing

/// Freed pages are reused: a database that repeatedly fills and empties does not keep growing.
@Suite("Page reuse")
struct ReuseTests {
    /// A 16-byte key for `i`.
    static func key(_ i: Int) -> [UInt8] {
        var key = [UInt8](repeating: 0x30, count: 16)
        var rest = i
        for position in stride(from: 15, through: 0, by: -1) {
            key[position] = 0x30 + UInt8(rest % 10)
            rest /= 10
        }
        return key
    }

    @Test("50 rounds of inserting and deleting 100k keys keep the file under 2x its peak live size")
    func insertDeleteRounds() throws {
        let directory = TemporaryDirectory("btree-reuse")
        defer { directory.cleanup() }
        var options = BTreeOptions()
        options.noSync = true
        let db = try BTreeDB(path: directory.database, options: options)
        let keys = (0..<100_000).map(Self.key)
        let value = [UInt8](repeating: 0x5a, count: 32)
        var peakLiveBytes = 0
        for round in 0..<50 {
            // Alternate ascending and scattered insertion orders, so both split policies run.
            let order = round % 2 == 0 ? Array(keys.indices) : keys.indices.map { ($0 &* 7919) % keys.count }
            try db.update { tx in
                let b = try tx.createBucketIfNotExists("b")
                for index in order { try b.put(keys[index], value) }
            }
            let stats = db.stats()
            peakLiveBytes = max(
                peakLiveBytes, (stats.pageCount - stats.freePages - stats.pendingPages) * stats.pageSize)
            // Deleting key by key (leaves emptied and merged away) costs a debug build about as much as
            // the inserts, so by default only every fifth round does it; the others drop the bucket,
            // which frees the same pages at once. BTREE_TEST_LONG=1 deletes key by key every round.
            if longTests || round % 5 == 4 {
                try db.update { tx in
                    let b = try #require(try tx.bucket("b"))
                    for key in keys { try b.delete(key) }
                }
                try db.view { tx in
                    let b = try #require(try tx.bucket("b"))
                    #expect(try b.cursor().first() == nil, "round \(round): keys left after deleting all")
                }
            } else {
                try db.update { tx in try tx.deleteBucket("b") }
            }
        }
        try db.check()
        let size = fileSize(directory.database)
        #expect(size < 2 * peakLiveBytes, "file \(size) bytes, peak live \(peakLiveBytes) bytes")
        try db.close()
    }
}
