import BTree
import Testing

/// Basic behaviour of the public API: buckets, puts and gets, reopening, limits, errors.
@Suite("BTreeDB basics")
struct DatabaseTests {
    @Test("put, get, delete and reopen")
    func putGetReopen() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        var db = try BTreeDB(path: directory.database)
        try db.update { tx in
            let kv = try tx.createBucketIfNotExists("kv")
            try kv.put(bytes("a"), bytes("1"))
            try kv.put(bytes("b"), bytes("2"))
            try kv.put(bytes("c"), [])
            #expect(try kv.get(bytes("a")) == bytes("1"))
        }
        try db.view { tx in
            let kv = try #require(try tx.bucket("kv"))
            #expect(try kv.get(bytes("a")) == bytes("1"))
            #expect(try kv.get(bytes("b")) == bytes("2"))
            #expect(try kv.get(bytes("c")) == [])
            #expect(try kv.get(bytes("d")) == nil)
        }
        try db.update { tx in try #require(try tx.bucket("kv")).delete(bytes("b")) }
        try db.close()
        db = try BTreeDB(path: directory.database)
        try db.view { tx in
            let kv = try #require(try tx.bucket("kv"))
            #expect(try contents(of: kv).map { $0.0 } == [bytes("a"), bytes("c")])
        }
        try db.check()
        try db.close()
    }

    @Test("many keys split into a deep tree and merge back when deleted")
    func splitAndMerge() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let db = try BTreeDB(path: directory.database, options: smallPageOptions(512))
        let count = 5000
        try db.update { tx in
            let b = try tx.createBucket("b")
            for i in 0..<count { try b.put(bytes("key\(i * 7919 % count)"), bytes("value\(i)")) }
        }
        try db.check()
        try db.view { tx in
            let b = try #require(try tx.bucket("b"))
            #expect(try contents(of: b).count == count)
            #expect(try b.stats().depth >= 3)
        }
        try db.update { tx in
            let b = try #require(try tx.bucket("b"))
            for i in 0..<count where i % 10 != 0 { try b.delete(bytes("key\(i)")) }
        }
        try db.check()
        try db.view { tx in
            let b = try #require(try tx.bucket("b"))
            let keys = try contents(of: b).map { String(decoding: $0.0, as: UTF8.self) }
            #expect(keys == (0..<count).filter { $0 % 10 == 0 }.map { "key\($0)" }.sorted())
        }
        try db.close()
    }
}
