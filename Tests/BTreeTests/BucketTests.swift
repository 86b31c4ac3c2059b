import BTree
import Testing

/// Buckets: nesting, sequences, limits, large values, errors.
@Suite("Buckets")
struct BucketTests {
    @Test("nested buckets: create, reopen, delete with their contents")
    func nestedBuckets() throws {
        let directory = TemporaryDirectory("btree-nested")
        defer { directory.cleanup() }
        var db = try BTreeDB(path: directory.database, options: smallPageOptions(1024))
        try db.update { tx in
            let top = try tx.createBucket("top")
            let mid = try top.createBucket("mid")
            let low = try mid.createBucket(bytes("low"))
            for i in 0..<500 {
                try low.put(bytes("key\(i)"), [UInt8](repeating: UInt8(i % 256), count: i % 7 == 0 ? 3000 : 40))
            }
            try top.put(bytes("plain"), bytes("value"))
            #expect(throws: BTreeError.bucketExists(name: "\"mid\"")) { try top.createBucket("mid") }
            #expect(throws: BTreeError.incompatibleValue) { try top.createBucket("plain") }
            #expect(throws: BTreeError.incompatibleValue) { try top.put(bytes("mid"), bytes("x")) }
            #expect(throws: BTreeError.incompatibleValue) { try top.delete(bytes("mid")) }
            #expect(throws: BTreeError.incompatibleValue) { try top.deleteBucket("plain") }
            #expect(throws: BTreeError.bucketNotFound(name: "\"none\"")) { try top.deleteBucket("none") }
            #expect(try top.get(bytes("mid")) == nil, "get of a bucket key reads nil")
            #expect(try top.bucket("plain") == nil, "a plain value is not a bucket")
        }
        try db.close()
        db = try BTreeDB(path: directory.database, options: smallPageOptions(1024))
        try db.check()
        try db.update { tx in
            let top = try #require(try tx.bucket("top"))
            let low = try #require(try top.bucket("mid")?.bucket("low"))
            #expect(try low.get(bytes("key7")) == [UInt8](repeating: 7, count: 3000))
            let stats = try top.stats()
            #expect(stats.nestedBuckets == 2)
            #expect(stats.keys == 501)
            #expect(stats.overflowPages > 0)
            try top.deleteBucket("mid")
            #expect(throws: BTreeError.bucketDeleted) { try low.get(bytes("key1")) }
            #expect(try top.bucket("mid") == nil)
        }
        try db.check()
        let stats = db.stats()
        #expect(stats.freePages + stats.pendingPages > 50, "the nested trees' pages were freed")
        try db.close()
    }

    @Test("nextSequence counts per bucket and persists; setSequence")
    func sequences() throws {
        let directory = TemporaryDirectory("btree-seq")
        defer { directory.cleanup() }
        var db = try BTreeDB(path: directory.database)
        try db.update { tx in
            let a = try tx.createBucket("a")
            #expect(try a.nextSequence() == 1)
            #expect(try a.nextSequence() == 2)
            let b = try a.createBucket("b")
            #expect(try b.nextSequence() == 1)
        }
        try db.close()
        db = try BTreeDB(path: directory.database)
        try db.update { tx in
            let a = try #require(try tx.bucket("a"))
            #expect(a.sequence == 2)
            #expect(try a.nextSequence() == 3)
            try a.setSequence(UInt64.max)
            #expect(throws: BTreeError.sequenceOverflow) { try a.nextSequence() }
        }
        try db.view { tx in
            let a = try #require(try tx.bucket("a"))
            #expect(a.sequence == UInt64.max)
            #expect(try a.bucket("b")?.sequence == 1)
            #expect(throws: BTreeError.transactionReadOnly) { try a.nextSequence() }
        }
        try db.close()
    }

    @Test("key and value size limits are enforced with clear errors")
    func limits() throws {
        let directory = TemporaryDirectory("btree-limits")
        defer { directory.cleanup() }
        let db = try BTreeDB(path: directory.database)
        #expect(db.maxKeySize == (db.pageSize - 24) / 4 - 28)
        try db.update { tx in
            let b = try tx.createBucket("b")
            #expect(throws: BTreeError.keyEmpty) { try b.put([], bytes("x")) }
            #expect(throws: BTreeError.keyEmpty) { try tx.createBucket([UInt8]()) }
            let longest = [UInt8](repeating: 0x61, count: db.maxKeySize)
            try b.put(longest, bytes("fits"))
            try b.createBucket([UInt8](repeating: 0x62, count: db.maxKeySize))
            #expect(throws: BTreeError.keyTooLarge(size: db.maxKeySize + 1, limit: db.maxKeySize)) {
                try b.put(longest + [0x61], bytes("x"))
            }
            let huge = UnsafeMutableRawBufferPointer.allocate(byteCount: BTreeDB.maxValueSize + 1, alignment: 1)
            defer { huge.deallocate() }
            #expect(throws: BTreeError.valueTooLarge(size: BTreeDB.maxValueSize + 1, limit: BTreeDB.maxValueSize)) {
                try bytes("k").withUnsafeBytes { try b.put(key: $0, value: UnsafeRawBufferPointer(huge)) }
            }
        }
        try db.view { tx in
            let b = try #require(try tx.bucket("b"))
            #expect(try b.get([UInt8](repeating: 0x61, count: db.maxKeySize)) == bytes("fits"))
        }
        try db.check()
        try db.close()
    }

    @Test("values from 0 bytes to many pages; overwrite and delete large values; pages are reused")
    func valueSizes() throws {
        let directory = TemporaryDirectory("btree-values")
        defer { directory.cleanup() }
        let db = try BTreeDB(path: directory.database)
        let sizes = [0, 1, 100, 900, 980, 1000, 4000, 4096, 20_000, 300_000]
        func value(_ size: Int, _ seed: Int) -> [UInt8] {
            (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ seed) }
        }
        try db.update { tx in
            let b = try tx.createBucket("b")
            for (i, size) in sizes.enumerated() { try b.put(bytes("v\(i)"), value(size, i)) }
        }
        try db.check()
        try db.update { tx in
            let b = try #require(try tx.bucket("b"))
            for (i, size) in sizes.enumerated() {
                #expect(try b.get(bytes("v\(i)")) == value(size, i), "size \(size)")
                #expect(try b.withValue(forKey: bytes("v\(i)")) { $0.count } == size)
            }
            // Large becomes small, small becomes large, and large values are deleted.
            try b.put(bytes("v9"), value(10, 1))
            try b.put(bytes("v1"), value(50_000, 2))
            try b.delete(bytes("v8"))
            try b.delete(bytes("v7"))
        }
        try db.check()
        let before = db.stats().pageCount
        try db.update { tx in
            let b = try #require(try tx.bucket("b"))
            #expect(try b.get(bytes("v9")) == value(10, 1))
            #expect(try b.get(bytes("v1")) == value(50_000, 2))
            #expect(try b.get(bytes("v8")) == nil)
            try b.put(bytes("again"), value(250_000, 3))
        }
        #expect(db.stats().pageCount <= before + 2, "the freed 300 KB run was reused for the 250 KB value")
        try db.check()
        try db.close()
    }

    @Test("transaction rules: rollback on throw, read-only views, closed transactions, nesting")
    func transactionRules() throws {
        let directory = TemporaryDirectory("btree-tx")
        defer { directory.cleanup() }
        let db = try BTreeDB(path: directory.database)
        struct Abort: Error {}
        try db.update { tx in try tx.createBucket("b").put(bytes("kept"), bytes("1")) }
        #expect(throws: Abort.self) {
            try db.update { tx in
                let b = try #require(try tx.bucket("b"))
                try b.put(bytes("dropped"), bytes("2"))
                try tx.createBucket("gone")
                throw Abort()
            }
        }
        try db.view { tx in
            #expect(try tx.bucket("gone") == nil)
            let b = try #require(try tx.bucket("b"))
            #expect(try b.get(bytes("dropped")) == nil)
            #expect(try b.get(bytes("kept")) == bytes("1"))
            #expect(throws: BTreeError.transactionReadOnly) { try b.put(bytes("x"), bytes("y")) }
            #expect(throws: BTreeError.transactionReadOnly) { try tx.createBucket("x") }
            #expect(!tx.isWritable)
        }
        var kept: Bucket?
        try db.update { tx in
            kept = try tx.bucket("b")
            #expect(throws: BTreeError.nestedWriteTransaction) { try db.update { _ in } }
            // A read transaction inside a write one sees the last commit, not the write in progress.
            try #require(kept).put(bytes("inside"), bytes("3"))
            try db.view { inner in
                let seen = try inner.bucket("b")?.get(bytes("inside"))
                #expect(seen == nil)
            }
        }
        #expect(throws: BTreeError.transactionClosed) { try kept?.get(bytes("kept")) }
        #expect(db.stats().rollbacks == 1)
        try db.close()
        #expect(throws: BTreeError.databaseClosed) { try db.view { _ in } }
        #expect(throws: BTreeError.databaseClosed) { try db.update { _ in } }
    }
}
