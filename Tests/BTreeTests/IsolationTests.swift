import BTree
import Foundation
import Synchronization
import Testing

/// Read transactions see a stable snapshot while writers commit.
@Suite("Snapshot isolation")
struct IsolationTests {
    @Test("a reader started before commits keeps seeing its snapshot, even as freed pages are reused")
    func readerKeepsSnapshot() throws {
        let directory = TemporaryDirectory("btree-isolation")
        defer { directory.cleanup() }
        var options = smallPageOptions(1024)
        options.noSync = true
        let db = try BTreeDB(path: directory.database, options: options)
        try db.update { tx in
            let b = try tx.createBucket("b")
            for i in 0..<2000 { try b.put(bytes("key\(i)"), bytes("old\(i)")) }
            try b.put(bytes("big"), [UInt8](repeating: 1, count: 5000))
        }
        let reader = try db.beginRead()
        let snapshot = try #require(try reader.bucket("b"))
        let before = try contents(of: snapshot)

        // Rewrite everything many times: without the reader, these commits would reuse its pages.
        for round in 0..<20 {
            try db.update { tx in
                let b = try #require(try tx.bucket("b"))
                for i in stride(from: round % 3, to: 2000, by: 3) {
                    try b.put(bytes("key\(i)"), bytes("new\(round)-\(i)"))
                }
                for i in stride(from: round % 7, to: 2000, by: 7) { try b.delete(bytes("key\(i)")) }
                try b.put(bytes("big"), [UInt8](repeating: UInt8(round), count: 3000 + round))
            }
        }
        #expect(db.stats().pendingPages > 0, "pages the reader can see must be held back")
        #expect(try contents(of: snapshot).elementsEqual(before, by: { $0.0 == $1.0 && $0.1 == $1.1 }))
        #expect(try snapshot.get(bytes("key3")) == bytes("old3"))
        #expect(try snapshot.get(bytes("big")) == [UInt8](repeating: 1, count: 5000))
        try db.view { tx in
            let b = try #require(try tx.bucket("b"))
            #expect(try b.get(bytes("big")) == [UInt8](repeating: 19, count: 3019))
        }
        reader.close()
        #expect(throws: BTreeError.transactionClosed) { try snapshot.get(bytes("key3")) }
        try db.check()
        try db.close()
    }

    @Test("concurrent readers always see a consistent state while a writer commits")
    func concurrentReaders() throws {
        let directory = TemporaryDirectory("btree-concurrent")
        defer { directory.cleanup() }
        var options = smallPageOptions(1024)
        options.noSync = true
        let db = try BTreeDB(path: directory.database, options: options)
        let keys = 300
        // Invariant: every key holds the number of the commit that last wrote them all.
        try db.update { tx in
            let b = try tx.createBucket("b")
            for i in 0..<keys { try b.put(bytes("key\(i)"), bytes("0")) }
        }
        let failures = Mutex<[String]>([])
        let done = Atomic<Bool>(false)
        let reads = Atomic<Int>(0)
        let group = DispatchGroup()
        for _ in 0..<2 {
            DispatchQueue.global().async(group: group) {
                while !done.load(ordering: .relaxed) {
                    do {
                        try db.view { tx in
                            guard let b = try tx.bucket("b") else { throw BTreeError.bucketNotFound(name: "b") }
                            var values = Set<[UInt8]>()
                            var count = 0
                            try b.forEach { _, value in
                                values.insert(value ?? [])
                                count += 1
                            }
                            if values.count != 1 || count != keys {
                                failures.withLock { $0.append("tx \(tx.id): \(count) keys, \(values.count) values") }
                            }
                        }
                        reads.add(1, ordering: .relaxed)
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
        }
        // Commit while the readers run: at least 100 commits and until they have read 50 snapshots
        // (bounded, in case the readers never get a core).
        var commit = 0
        let deadline = Date().addingTimeInterval(20)
        while (commit < 100 || reads.load(ordering: .relaxed) < 50) && Date() < deadline {
            commit += 1
            try db.update { tx in
                let b = try #require(try tx.bucket("b"))
                for i in 0..<keys { try b.put(bytes("key\(i)"), bytes(String(commit))) }
            }
        }
        done.store(true, ordering: .relaxed)
        group.wait()
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")
        #expect(reads.load(ordering: .relaxed) > 0)
        try db.check()
        try db.close()
    }
}
