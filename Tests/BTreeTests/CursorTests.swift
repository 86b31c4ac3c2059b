import BTree
import Testing

/// Cursor movement, zero-copy access, and changes while iterating.
@Suite("Cursors")
struct CursorTests {
    /// Runs `body` in a write transaction on bucket "b" holding keys k00..k(count-1), 1 KiB pages.
    static func withBucket(count: Int, _ body: (Bucket) throws -> Void) throws {
        let directory = TemporaryDirectory("btree-cursor")
        defer { directory.cleanup() }
        let db = try BTreeDB(path: directory.database, options: smallPageOptions(1024))
        try db.update { tx in
            let b = try tx.createBucket("b")
            for i in 0..<count { try b.put(Self.key(i), bytes("v\(i)")) }
        }
        try db.update { tx in try body(try #require(try tx.bucket("b"))) }
        try db.close()
    }

    static func key(_ i: Int) -> [UInt8] { bytes(i < 10 ? "k00\(i)" : i < 100 ? "k0\(i)" : "k\(i)") }

    @Test("empty bucket: every move returns nil")
    func emptyBucket() throws {
        try Self.withBucket(count: 0) { b in
            let c = try b.cursor()
            #expect(try c.first() == nil)
            #expect(try c.last() == nil)
            #expect(try c.next() == nil)
            #expect(try c.prev() == nil)
            #expect(try c.seek(bytes("a")) == nil)
            #expect(try c.withCurrent { _, _ in 1 } == nil)
        }
    }

    @Test("first, last, next, prev and seek across many leaves")
    func movement() throws {
        try Self.withBucket(count: 500) { b in
            let c = try b.cursor()
            #expect(try c.first()?.key == Self.key(0))
            #expect(try c.prev() == nil, "prev before the first key")
            #expect(try c.next() == nil, "a cursor moved off the start points nowhere")
            #expect(try c.last()?.key == Self.key(499))
            #expect(try c.next() == nil)
            #expect(try c.seek(Self.key(250))?.key == Self.key(250))
            #expect(try c.seek(bytes("k250x"))?.key == Self.key(251), "seek lands on the next key")
            #expect(try c.seek(bytes("a"))?.key == Self.key(0))
            #expect(try c.seek(bytes("z")) == nil)

            var forward: [[UInt8]] = []
            var entry = try c.first()
            while let (key, value) = entry {
                #expect(value == bytes("v\(forward.count)"))
                forward.append(key)
                entry = try c.next()
            }
            #expect(forward == (0..<500).map(Self.key))
            var backward: [[UInt8]] = []
            entry = try c.last()
            while let (key, _) = entry {
                backward.append(key)
                entry = try c.prev()
            }
            #expect(backward == forward.reversed())

            // Zero-copy access and the move-only methods.
            #expect(try c.move(toFirstKeyAtOrAfter: Self.key(7)))
            #expect(
                try c.withCurrent { key, value in (Array(key), value.map(Array.init)) }! == (Self.key(7), bytes("v7")))
            #expect(try c.moveToPrevious())
            #expect(try c.withCurrent { key, _ in Array(key) } == Self.key(6))
        }
    }

    @Test("deleting every entry through the cursor while iterating visits each entry once")
    func deleteWhileIterating() throws {
        try Self.withBucket(count: 300) { b in
            let c = try b.cursor()
            var visited: [[UInt8]] = []
            var entry = try c.first()
            while let (key, _) = entry {
                visited.append(key)
                try c.delete()
                #expect(try c.withCurrent { _, _ in 1 } == nil, "a deleted entry is not current")
                entry = try c.next()
            }
            #expect(visited == (0..<300).map(Self.key))
            #expect(try b.cursor().first() == nil)
        }
    }

    @Test("deleting every other entry, backwards, and changing the bucket behind the cursor")
    func changesWhileIterating() throws {
        try Self.withBucket(count: 200) { b in
            let c = try b.cursor()
            var entry = try c.last()
            var index = 199
            while let (key, _) = entry {
                #expect(key == Self.key(index))
                if index % 2 == 0 { try c.delete() }
                index -= 1
                entry = try c.prev()
            }
            #expect(try contents(of: b).map(\.0) == (0..<200).filter { $0 % 2 == 1 }.map(Self.key))

            // Deletes and puts through the bucket: the cursor continues after the key it was at.
            entry = try c.seek(Self.key(101))
            try b.delete(Self.key(101))
            try b.delete(Self.key(103))
            try b.put(bytes("k102"), bytes("new"))
            #expect(try c.next()?.key == bytes("k102"))
            #expect(try c.next()?.key == Self.key(105))
            #expect(try c.prev()?.key == bytes("k102"))
        }
    }

    @Test("nested buckets appear with nil values and cannot be deleted through a cursor")
    func nestedBucketEntries() throws {
        try Self.withBucket(count: 3) { b in
            try b.createBucket("k001x")
            let c = try b.cursor()
            var seen: [([UInt8], Bool)] = []
            var entry = try c.first()
            while let (key, value) = entry {
                seen.append((key, value == nil))
                entry = try c.next()
            }
            #expect(seen.map(\.0) == [bytes("k000"), bytes("k001"), bytes("k001x"), bytes("k002")])
            #expect(seen.map(\.1) == [false, false, true, false])
            #expect(try c.seek(bytes("k001x"))?.value == nil)
            #expect(throws: BTreeError.incompatibleValue) { try c.delete() }
        }
    }

    @Test("a cursor of a read-only transaction cannot delete, and no cursor outlives its transaction")
    func readOnlyAndClosed() throws {
        let directory = TemporaryDirectory("btree-cursor-ro")
        defer { directory.cleanup() }
        let db = try BTreeDB(path: directory.database)
        try db.update { tx in try tx.createBucket("b").put(bytes("a"), bytes("1")) }
        let escaped = try db.view { tx -> Cursor in
            let c = try #require(try tx.bucket("b")).cursor()
            #expect(try c.first()?.key == bytes("a"))
            #expect(throws: BTreeError.transactionReadOnly) { try c.delete() }
            return c
        }
        #expect(throws: BTreeError.transactionClosed) { try escaped.next() }
        try db.close()
    }
}
