import BTree
import Foundation
import Testing

/// Opening files whose meta pages are damaged, truncated or foreign.
@Suite("Meta pages and recovery")
struct RecoveryTests {
    /// A database with commits "first" (txid n) and "second" (txid n + 1), closed.
    static func twoCommits(_ path: String) throws {
        let db = try BTreeDB(path: path)
        try db.update { tx in try tx.createBucket("kv").put(bytes("first"), bytes("1")) }
        try db.update { tx in try #require(try tx.bucket("kv")).put(bytes("second"), bytes("2")) }
        try db.close()
    }

    @Test("a torn newest meta page makes the database fall back to the other one")
    func tornMetaFallsBack() throws {
        let directory = TemporaryDirectory("btree-torn")
        defer { directory.cleanup() }
        try Self.twoCommits(directory.database)
        let metas = try BTreeInspector.metaPages(path: directory.database)
        #expect(metas.allSatisfy { $0.problem == nil })
        let newest = try #require(metas.max { $0.transactionID < $1.transactionID })
        let older = try #require(metas.min { $0.transactionID < $1.transactionID })
        // Flip bytes in the middle of the newest meta (its transaction id and page count), as a torn
        // write would leave them.
        try flipByte(in: directory.database, at: newest.slot * newest.pageSize + 70)
        try flipByte(in: directory.database, at: newest.slot * newest.pageSize + 2000)
        let damaged = try BTreeInspector.metaPages(path: directory.database)
        #expect(damaged[newest.slot].problem != nil)

        let db = try BTreeDB(path: directory.database)
        #expect(db.stats().transactionID == older.transactionID)
        try db.check()
        try db.view { tx in
            let kv = try #require(try tx.bucket("kv"))
            #expect(try kv.get(bytes("first")) == bytes("1"))
            #expect(try kv.get(bytes("second")) == nil, "the torn commit must be gone, not half there")
        }
        // Writing goes on from the older meta, overwriting the torn page.
        try db.update { tx in try #require(try tx.bucket("kv")).put(bytes("third"), bytes("3")) }
        try db.close()
        let reopened = try BTreeDB(path: directory.database)
        try reopened.check()
        try reopened.view { tx in
            let kv = try #require(try tx.bucket("kv"))
            #expect(try kv.get(bytes("third")) == bytes("3"))
        }
        #expect(try BTreeInspector.metaPages(path: directory.database).allSatisfy { $0.problem == nil })
        try reopened.close()
    }

    @Test("both meta pages damaged: a clear corruption error, not a crash")
    func bothMetasDamaged() throws {
        let directory = TemporaryDirectory("btree-torn2")
        defer { directory.cleanup() }
        try Self.twoCommits(directory.database)
        let pageSize = try BTreeInspector.metaPages(path: directory.database)[0].pageSize
        try flipByte(in: directory.database, at: 72)
        try flipByte(in: directory.database, at: pageSize + 72)
        do {
            _ = try BTreeDB(path: directory.database)
            Issue.record("opened a file with two damaged meta pages")
        } catch BTreeError.corruption(let page, let reason) {
            #expect(page == 0)
            #expect(reason.contains("neither meta page is valid"), "\(reason)")
        }
    }

    @Test("a file that is not a database, and a truncated database, are refused with clear errors")
    func foreignAndTruncatedFiles() throws {
        let directory = TemporaryDirectory("btree-foreign")
        defer { directory.cleanup() }
        let foreign = directory.path + "/foreign.db"
        try Data(repeating: 0x41, count: 20_000).write(to: URL(fileURLWithPath: foreign))
        #expect {
            try BTreeDB(path: foreign)
        } throws: { error in
            if case BTreeError.invalidFile = error { return true }
            return false
        }
        let tiny = directory.path + "/tiny.db"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: tiny))
        #expect {
            try BTreeDB(path: tiny)
        } throws: { error in
            if case BTreeError.invalidFile = error { return true }
            return false
        }

        // A database cut short: both metas claim more pages than the file holds.
        let db = try BTreeDB(path: directory.database)
        try db.update { tx in
            let b = try tx.createBucket("b")
            for i in 0..<2000 { try b.put(bytes("key\(i)"), [UInt8](repeating: 7, count: 50)) }
        }
        try db.close()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory.database))
        try handle.truncate(atOffset: UInt64(fileSize(directory.database) / 2))
        try handle.close()
        #expect {
            try BTreeDB(path: directory.database)
        } throws: { error in
            if case BTreeError.corruption = error { return true }
            return false
        }
    }
}
