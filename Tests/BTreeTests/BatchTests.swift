import BTree
import Foundation
import Synchronization
import Testing

/// `batch` coalescing and `Transaction.write(to:)` online copies.
@Suite("Batch and online copy")
struct BatchTests {
    @Test("concurrent batch calls all commit, in fewer transactions; a failing call fails alone")
    func batchCoalesces() throws {
        let directory = TemporaryDirectory("btree-batch")
        defer { directory.cleanup() }
        var options = BTreeOptions()
        options.maxBatchDelay = .milliseconds(20)
        let db = try BTreeDB(path: directory.database, options: options)
        try db.update { tx in _ = try tx.createBucket("b") }
        struct Refused: Error, Equatable {}
        let results = Mutex<[Int: String]>([:])
        let group = DispatchGroup()
        let callers = 8
        let callsEach = 20
        for thread in 0..<callers {
            DispatchQueue.global().async(group: group) {
                for call in 0..<callsEach {
                    let id = thread * callsEach + call
                    do {
                        try db.batch { tx in
                            if id % 37 == 0 { throw Refused() }
                            try tx.bucket("b")?.put(bytes("key\(id)"), bytes("value\(id)"))
                        }
                        results.withLock { $0[id] = "ok" }
                    } catch {
                        results.withLock { $0[id] = error is Refused ? "refused" : "\(error)" }
                    }
                }
            }
        }
        group.wait()
        let outcome = results.withLock { $0 }
        #expect(outcome.count == callers * callsEach)
        for (id, result) in outcome {
            #expect(result == (id % 37 == 0 ? "refused" : "ok"), "call \(id): \(result)")
        }
        try db.view { tx in
            let b = try #require(try tx.bucket("b"))
            for id in 0..<callers * callsEach {
                #expect(try b.get(bytes("key\(id)")) == (id % 37 == 0 ? nil : bytes("value\(id)")))
            }
        }
        // Coalescing: fewer commits than calls (each failing call costs a rollback and a solo try).
        #expect(db.stats().commits < callers * callsEach, "\(db.stats().commits) commits")
        #expect(throws: BTreeError.nestedWriteTransaction) { try db.update { _ in try db.batch { _ in } } }
        try db.close()
    }

    @Test("write(to:) copies a consistent snapshot while commits go on")
    func onlineCopy() throws {
        let directory = TemporaryDirectory("btree-copy")
        defer { directory.cleanup() }
        var options = smallPageOptions(1024)
        options.noSync = true
        let db = try BTreeDB(path: directory.database, options: options)
        try db.update { tx in
            let b = try tx.createBucket("b")
            for i in 0..<3000 { try b.put(bytes("key\(i)"), bytes("v0-\(i)")) }
        }
        let copyPath = directory.path + "/copy.db"
        let reader = try db.beginRead()
        // Commits between the start of the snapshot and the copy rewrite (and reuse) pages.
        for round in 1...5 {
            try db.update { tx in
                let b = try #require(try tx.bucket("b"))
                for i in stride(from: 0, to: 3000, by: 2) { try b.put(bytes("key\(i)"), bytes("v\(round)-\(i)")) }
            }
        }
        try reader.copy(toPath: copyPath)
        var streamed = 0
        let written = try reader.write { streamed += $0.count }
        #expect(Int64(streamed) == written && written == reader.size)
        reader.close()

        let copy = try BTreeDB(path: copyPath, options: options)
        try copy.check()
        try copy.view { tx in
            let b = try #require(try tx.bucket("b"))
            for i in 0..<3000 { #expect(try b.get(bytes("key\(i)")) == bytes("v0-\(i)")) }
        }
        try copy.close()
        try db.close()
    }
}
