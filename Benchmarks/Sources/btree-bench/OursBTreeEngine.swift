import BTree
import BenchSupport
import Foundation

/// This project's B+tree, `BTreeDB`, with default options except `noSync` for unsynced commits, all
/// data in one bucket. Reads use the zero-copy API (`withValue`, cursor moves and `withCurrent`), the
/// counterpart of LMDB handing out pointers into its map.
final class OursBTreeEngine: OrderedKeyValueEngine {
    static let name = "ours"

    private var db: BTreeDB?
    private static let bucket = Array("bench".utf8)

    init(directory: String, sync: Bool) throws {
        var options = BTreeOptions()
        options.noSync = !sync
        let db = try BTreeDB(path: directory + "/data.db", options: options)
        try db.update { tx in _ = try tx.createBucketIfNotExists(Self.bucket) }
        self.db = db
    }

    private func open() throws -> BTreeDB {
        guard let db else { throw BenchError("ours: database is closed") }
        return db
    }

    private static func bucket(_ tx: Transaction) throws -> Bucket {
        guard let bucket = try tx.bucket(Self.bucket) else { throw BenchError("ours: bucket missing") }
        return bucket
    }

    func write(count: Int, _ item: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)) throws {
        try open().update { tx in
            let bucket = try Self.bucket(tx)
            for i in 0..<count {
                let (key, value) = item(i)
                try bucket.put(key: key, value: value)
            }
        }
    }

    func get(count: Int, _ key: (Int) -> UnsafeRawBufferPointer) throws -> Int {
        try open().view { tx in
            let bucket = try Self.bucket(tx)
            var found = 0
            for i in 0..<count where try bucket.withValue(forKey: key(i), { $0.count }) != nil {
                found += 1
            }
            return found
        }
    }

    func seek(count: Int, nexts: Int, _ key: (Int) -> UnsafeRawBufferPointer) throws -> Int {
        try open().view { tx in
            let cursor = try Self.bucket(tx).cursor()
            var found = 0
            for i in 0..<count {
                let target = key(i)
                guard try cursor.move(toFirstKeyAtOrAfter: target) else { continue }
                if try cursor.withCurrent({ key, _ in key.elementsEqual(target) }) == true { found += 1 }
                var moved = 0
                while moved < nexts, try cursor.moveToNext() {
                    _ = try cursor.withCurrent { key, value in key.count &+ (value?.count ?? 0) }
                    moved += 1
                }
            }
            return found
        }
    }

    func readSequential(limit: Int) throws -> (entries: Int, bytes: Int) {
        try open().view { tx in
            let cursor = try Self.bucket(tx).cursor()
            var entries = 0
            var bytes = 0
            var more = try cursor.moveToFirst()
            while more && entries < limit {
                bytes += try cursor.withCurrent { key, value in key.count + (value?.count ?? 0) } ?? 0
                entries += 1
                more = try cursor.moveToNext()
            }
            return (entries, bytes)
        }
    }

    func close() throws {
        // A measurement switch: the engine's counters on standard error.
        if ProcessInfo.processInfo.environment["BTREE_BENCH_STATS"] != nil, let db { logLine(db.stats().description) }
        try db?.close()
        db = nil
    }
}
