import BenchSupport
import Foundation
import Glibc

/// Runs a list of workloads against one engine, in one process, the way db_bench runs its list:
/// a "main" database that fills may recreate and that later workloads reuse, keys from
/// `LehmerRandom` seeded 1001, 1002, ... per workload in order, values from a `ValuePool`, and one
/// operation per call (writes are batches of one).
final class WorkloadRunner<Engine: KeyValueEngine> {
    private static var valueSize: Int { 100 }

    private let num: Int
    private let reads: Int
    private let mainPath: String
    private let syncPath: String
    /// The block cache each engine is given.
    private let cacheBytes: Int
    private let keys = KeyBuffer()
    private let values = ValuePool()
    private var database: Engine?
    private var seed: UInt32 = 1000

    /// A runner whose databases live under `directory` (`db` for the main one, `fillsync` for
    /// fillsync's own), for a key space of `num` keys and `reads` operations per read workload.
    init(num: Int, reads: Int, directory: String, cacheBytes: Int) {
        self.cacheBytes = cacheBytes
        self.num = num
        self.reads = reads
        mainPath = directory + "/db"
        syncPath = directory + "/fillsync"
    }

    /// Runs `workloads` in order, logging each to standard error and passing the report so far to
    /// `progress` as it finishes, and returns the results with the process's peak RSS and the main
    /// database's final size.
    func run(_ workloads: [Workload], progress: (EngineReport) throws -> Void) throws -> EngineReport {
        try WorkloadSequence.run(
            workloads, engine: Engine.name, databasePath: mainPath, progress: progress, runOne: run,
            finish: {
                try database?.close()
                database = nil
            })
    }

    private func run(_ workload: Workload) throws -> WorkloadResult {
        seed += 1
        var random = LehmerRandom(seed: seed)
        let count = workload.operationCount(num: num, reads: reads)
        switch workload {
        case .fillseq, .fillrandom, .overwrite:
            if workload.wantsFreshDatabase {
                try database?.close()
                database = nil
                try SystemInfo.removeTree(mainPath)
            }
            let db = try mainDatabase()
            return try write(
                workload, into: db, count: count, sequential: workload == .fillseq, sync: false, random: &random)
        case .fillsync:
            // Synced writes measure fsync latency, which background compaction of the main database
            // and the page cache it dirtied would inflate (on ext4 an fsync also flushes other files'
            // data). db_bench has neither, since its fillsync destroys the database first; here the
            // main database is closed (stopping its compactions) and the page cache flushed, and the
            // main database is reopened by the next workload that needs it.
            try database?.close()
            database = nil
            sync()
            try SystemInfo.removeTree(syncPath)
            try SystemInfo.makeDirectory(syncPath)
            let db = try Engine(directory: syncPath, cacheBytes: cacheBytes)
            let result = try write(workload, into: db, count: count, sequential: false, sync: true, random: &random)
            try db.close()
            try SystemInfo.removeTree(syncPath)
            return result
        case .readrandom:
            let db = try mainDatabase()
            var found = 0
            let start = SystemInfo.now()
            for _ in 0..<count {
                if try db.get(keys.set(random.uniform(num))) { found += 1 }
            }
            return WorkloadResult(
                workload: workload.rawValue, operations: count, seconds: SystemInfo.now() - start, bytes: 0,
                message: "(\(found) of \(num) found)")
        case .readseq:
            let db = try mainDatabase()
            let start = SystemInfo.now()
            let (entries, bytes) = try db.readSequential(limit: count)
            return WorkloadResult(
                workload: workload.rawValue, operations: entries, seconds: SystemInfo.now() - start, bytes: bytes,
                message: entries < count ? "(only \(entries) entries)" : "")
        case .seekrandom:
            let db = try mainDatabase()
            var found = 0
            let start = SystemInfo.now()
            for _ in 0..<count {
                if try db.seek(keys.set(random.uniform(num)), nexts: Workload.nextsPerSeek) { found += 1 }
            }
            return WorkloadResult(
                workload: workload.rawValue, operations: count, seconds: SystemInfo.now() - start, bytes: 0,
                message: "(\(found) of \(num) found)")
        }
    }

    /// The main database, opened (created if missing) on first use.
    private func mainDatabase() throws -> Engine {
        if let database { return database }
        try SystemInfo.makeDirectory(mainPath)
        let opened = try Engine(directory: mainPath, cacheBytes: cacheBytes)
        database = opened
        return opened
    }

    /// `count` puts of 100-byte values from a rewound value pool, keyed 0..<count in order or
    /// uniformly at random in [0, num).
    private func write(
        _ workload: Workload, into db: Engine, count: Int, sequential: Bool, sync: Bool,
        random: inout LehmerRandom
    ) throws -> WorkloadResult {
        values.rewind()
        let start = SystemInfo.now()
        for i in 0..<count {
            let key = keys.set(sequential ? i : random.uniform(num))
            try db.put(key, values.next(Self.valueSize), sync: sync)
        }
        let seconds = SystemInfo.now() - start
        return WorkloadResult(
            workload: workload.rawValue, operations: count, seconds: seconds,
            bytes: count * (KeyBuffer.length + Self.valueSize),
            message: count == num ? "" : "(\(count) ops)")
    }
}
