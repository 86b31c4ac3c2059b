import BTree
import Foundation
import Testing

/// Random operations in random transactions against a `BTreeDB` and an in-memory model of its
/// buckets, which must always agree; `checkEveryCommit` walks every page after every commit.
@Suite("BTreeDB against an in-memory model")
struct ModelTests {
    /// What the database should hold: bucket path -> key -> value, and each bucket's sequence.
    struct Model {
        var buckets: [String: [[UInt8]: [UInt8]]] = [:]
        var sequences: [String: UInt64] = [:]

        func sortedEntries(_ path: String) -> [([UInt8], [UInt8])] {
            (buckets[path] ?? [:]).sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { ($0.key, $0.value) }
        }
    }

    struct Rollback: Error {}

    static let bucketPaths = ["b0", "b1", "b2", "b0/inner"]

    /// The bucket at `path` ("a" or "a/b") in `tx`, or nil.
    static func bucket(_ path: String, in tx: Transaction) throws -> Bucket? {
        let parts = path.split(separator: "/").map(String.init)
        guard let top = try tx.bucket(parts[0]) else { return nil }
        return parts.count == 1 ? top : try top.bucket(parts[1])
    }

    static func key(_ n: Int) -> [UInt8] { bytes("k" + String(n, radix: 16)) }

    /// Mostly small values, some near the inline limit, some spanning several (1 KiB) pages.
    static func value(_ random: inout SeededGenerator) -> [UInt8] {
        let roll = Int.random(in: 0..<100, using: &random)
        let length: Int
        switch roll {
        case 0..<10: length = 0
        case 10..<75: length = Int.random(in: 1...80, using: &random)
        case 75..<92: length = Int.random(in: 150...320, using: &random)
        default: length = Int.random(in: 900...4500, using: &random)
        }
        let seed = UInt8.random(in: 0...255, using: &random)
        return (0..<length).map { UInt8(truncatingIfNeeded: Int(seed) &+ $0 &* 31 &+ $0 >> 5) }
    }

    @Test("100k random put/delete/get/cursor/bucket/reopen operations match the model; check after every commit")
    func randomOperations() throws {
        try runModel(
            seed: testSeed(default: 20_261_125), operations: longTests ? 1_000_000 : 100_000, longestTransaction: 80)
    }

    @Test("large transactions (nodes split while the transaction runs) match the model")
    func largeTransactions() throws {
        try runModel(
            seed: testSeed(default: 77_001), operations: longTests ? 300_000 : 40_000, longestTransaction: 4000)
    }

    /// Runs `operations` random operations in transactions of 1 to `longestTransaction` operations.
    func runModel(seed: UInt64, operations totalOperations: Int, longestTransaction: Int) throws {
        var random = SeededGenerator(seed: seed)
        let directory = TemporaryDirectory("btree-model")
        defer { directory.cleanup() }
        var options = smallPageOptions(Int(ProcessInfo.processInfo.environment["BTREE_TEST_PAGE_SIZE"] ?? "") ?? 1024)
        options.checkEveryCommit = true
        // Durability across crashes is the crash test's business; fsyncs would only slow this one down.
        options.noSync = true
        var db = try BTreeDB(path: directory.database, options: options)
        var model = Model()
        let keySpace = longestTransaction > 1000 ? 4000 : 700
        var operations = 0
        var transactions = 0

        let trace = ProcessInfo.processInfo.environment["BTREE_TRACE"] != nil
        func step(_ tx: Transaction, _ model: inout Model, _ random: inout SeededGenerator, _ context: String) throws {
            let path = Self.bucketPaths[Int.random(in: 0..<Self.bucketPaths.count, using: &random)]
            let bucket = try Self.bucket(path, in: tx)
            try #require((bucket != nil) == (model.buckets[path] != nil), "bucket \(path) existence: \(context)")
            let roll = Int.random(in: 0..<1000, using: &random)
            let k = Self.key(Int.random(in: 0..<keySpace, using: &random))
            if trace {
                FileHandle.standardError.write(
                    Data(
                        ("  \(tx.isWritable ? "w" : "r") \(path) roll \(roll) key \(String(decoding: k, as: UTF8.self)) exists \(bucket != nil)"
                            + "\n").utf8))
            }
            guard let bucket else {
                // Create the missing bucket (in a write transaction whose parent exists).
                if tx.isWritable {
                    if path == "b0/inner" {
                        guard let parent = try tx.bucket("b0") else { return }
                        try parent.createBucket("inner")
                    } else {
                        try tx.createBucket(path)
                    }
                    model.buckets[path] = [:]
                    model.sequences[path] = 0
                }
                return
            }
            switch roll {
            case 0..<350 where tx.isWritable:
                let v = Self.value(&random)
                try bucket.put(k, v)
                model.buckets[path]?[k] = v
            case 350..<500 where tx.isWritable:
                try bucket.delete(k)
                model.buckets[path]?[k] = nil
            case 0..<700:
                let got = try bucket.get(k)
                try #require(got == model.buckets[path]?[k], "get \(path) \(k): \(context)")
                let length = try bucket.withValue(forKey: k) { $0.count }
                try #require(length == model.buckets[path]?[k]?.count, "withValue \(path): \(context)")
            case 700..<820:
                // A forward scan from a random key.
                let cursor = try bucket.cursor()
                let want = model.sortedEntries(path).filter { !$0.0.lexicographicallyPrecedes(k) }
                var entry = try cursor.seek(k)
                for (wantKey, wantValue) in want.prefix(Int.random(in: 1...40, using: &random)) {
                    let got = try #require(entry, "scan ended early in \(path): \(context)")
                    try #require(got.key == wantKey && got.value == wantValue, "scan \(path): \(context)")
                    entry = try cursor.next()
                }
                if want.count <= 40 && want.isEmpty { try #require(entry == nil, "scan past end: \(context)") }
            case 820..<880:
                // A backward scan from the end or from a key.
                let cursor = try bucket.cursor()
                let all = model.sortedEntries(path)
                let fromEnd = Bool.random(using: &random)
                var entry = fromEnd ? try cursor.last() : try cursor.seek(k)
                var want: ArraySlice<([UInt8], [UInt8])>
                if fromEnd {
                    want = all[...].reversed()[...]
                } else {
                    let start = all.firstIndex { !$0.0.lexicographicallyPrecedes(k) } ?? all.count
                    if start == all.count {
                        try #require(entry == nil, "seek past end: \(context)")
                        return
                    }
                    want = all[...start].reversed()[...]
                }
                for (wantKey, wantValue) in want.prefix(Int.random(in: 1...30, using: &random)) {
                    let got = try #require(entry, "reverse scan ended early in \(path): \(context)")
                    try #require(got.key == wantKey && got.value == wantValue, "reverse scan \(path): \(context)")
                    entry = try cursor.prev()
                }
            case 880..<920 where tx.isWritable:
                // Delete a run of keys through a cursor while iterating.
                let cursor = try bucket.cursor()
                var entry = try cursor.seek(k)
                let want = model.sortedEntries(path).filter { !$0.0.lexicographicallyPrecedes(k) }
                for (wantKey, _) in want.prefix(Int.random(in: 1...25, using: &random)) {
                    let got = try #require(entry, "cursor delete ran out in \(path): \(context)")
                    try #require(got.key == wantKey, "cursor delete order \(path): \(context)")
                    try cursor.delete()
                    model.buckets[path]?[wantKey] = nil
                    entry = try cursor.next()
                }
            case 920..<940 where tx.isWritable:
                let next = try bucket.nextSequence()
                let expected = (model.sequences[path] ?? 0) + 1
                try #require(next == expected, "nextSequence \(path): \(context)")
                model.sequences[path] = next
            case 940..<946 where tx.isWritable:
                // Drop a whole bucket (nested buckets with it).
                if path == "b0/inner" {
                    try #require(try tx.bucket("b0")).deleteBucket("inner")
                } else {
                    try tx.deleteBucket(path)
                }
                for other in Self.bucketPaths where other == path || other.hasPrefix(path + "/") {
                    model.buckets[other] = nil
                    model.sequences[other] = nil
                }
            default:
                try #require(bucket.sequence == model.sequences[path] ?? 0, "sequence \(path): \(context)")
            }
        }

        while operations < totalOperations {
            transactions += 1
            if trace { FileHandle.standardError.write(Data(("tx \(transactions)" + "\n").utf8)) }
            let context = "seed \(seed) (replay with BTREE_TEST_SEED=\(seed)), transaction \(transactions)"
            if Int.random(in: 0..<150, using: &random) == 0 {
                if trace { FileHandle.standardError.write(Data(("reopen" + "\n").utf8)) }
                try db.close()
                db = try BTreeDB(path: directory.database, options: options)
            }
            let length = Int.random(in: 1...longestTransaction, using: &random)
            operations += length
            if Int.random(in: 0..<4, using: &random) == 0 {
                try db.view { tx in
                    var unchanged = model
                    for _ in 0..<length { try step(tx, &unchanged, &random, context) }
                }
            } else {
                var working = model
                let rollback = Int.random(in: 0..<25, using: &random) == 0
                if trace && rollback { print("rollback") }
                do {
                    try db.update { tx in
                        for _ in 0..<length { try step(tx, &working, &random, context) }
                        if rollback { throw Rollback() }
                    }
                    model = working
                } catch is Rollback {}
            }
        }
        // A final full comparison after a reopen.
        try db.close()
        db = try BTreeDB(path: directory.database, options: options)
        try db.check()
        try db.view { tx in
            for path in Self.bucketPaths {
                let bucket = try Self.bucket(path, in: tx)
                try #require((bucket != nil) == (model.buckets[path] != nil), "final \(path): seed \(seed)")
                guard let bucket else { continue }
                let got = try contents(of: bucket).filter { $0.1 != nil }.map { ($0.0, $0.1 ?? []) }
                let want = model.sortedEntries(path)
                try #require(got.count == want.count, "final count \(path): seed \(seed)")
                for (g, w) in zip(got, want) { try #require(g.0 == w.0 && g.1 == w.1, "final \(path): seed \(seed)") }
                #expect(bucket.sequence == model.sequences[path] ?? 0)
            }
        }
        try db.close()
    }
}
