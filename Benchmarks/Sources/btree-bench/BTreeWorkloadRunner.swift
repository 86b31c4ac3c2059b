import BenchSupport
import Foundation
import Glibc

/// Runs a list of workloads against one engine, in one process: a main database that fills recreate
/// and later workloads reuse, keys from `LehmerRandom` seeded 1001, 1002, ... per workload in order (as
/// db_bench), values from a `ValuePool`, and operations grouped into transactions of 1,000.
final class BTreeWorkloadRunner<Engine: OrderedKeyValueEngine> {
    /// Operations per transaction for the batched workloads (fills, overwrite, reads).
    static var batchSize: Int { 1000 }

    private static var valueSize: Int { 100 }

    private let num: Int
    private let reads: Int
    private let mainPath: String
    private let syncPath: String
    private let keys = KeyBuffer()
    private let values = ValuePool()
    private var database: Engine?
    private var seed: UInt32 = 1000

    /// A runner whose databases live under `directory` (`db` for the main one, `fillsync` for
    /// fillsync's own).
    init(num: Int, reads: Int, directory: String) {
        self.num = num
        self.reads = reads
        mainPath = directory + "/db"
        syncPath = directory + "/fillsync"
    }

    /// Runs `workloads` in order, logging each and passing the report so far to `progress`.
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
        let batch = Self.batchSize
        switch workload {
        case .fillseq, .fillrandom, .overwrite:
            if workload.wantsFreshDatabase {
                try database?.close()
                database = nil
                try SystemInfo.removeTree(mainPath)
            }
            let db = try mainDatabase()
            let sequential = workload == .fillseq
            values.rewind()
            let start = SystemInfo.now()
            var done = 0
            while done < count {
                let n = min(batch, count - done)
                try db.write(count: n) { i in
                    (keys.set(sequential ? done + i : random.uniform(num)), values.next(Self.valueSize))
                }
                done += n
            }
            return WorkloadResult(
                workload: workload.rawValue, operations: count, seconds: SystemInfo.now() - start,
                bytes: count * (KeyBuffer.length + Self.valueSize), message: "")
        case .fillsync:
            try database?.close()
            database = nil
            sync()
            try SystemInfo.removeTree(syncPath)
            try SystemInfo.makeDirectory(syncPath)
            let db = try Engine(directory: syncPath, sync: true)
            values.rewind()
            let start = SystemInfo.now()
            for _ in 0..<count {
                try db.write(count: 1) { _ in (keys.set(random.uniform(num)), values.next(Self.valueSize)) }
            }
            let seconds = SystemInfo.now() - start
            try db.close()
            try SystemInfo.removeTree(syncPath)
            return WorkloadResult(
                workload: workload.rawValue, operations: count, seconds: seconds,
                bytes: count * (KeyBuffer.length + Self.valueSize), message: "(\(count) synced transactions)")
        case .readrandom, .seekrandom:
            let db = try mainDatabase()
            var found = 0
            var done = 0
            let start = SystemInfo.now()
            while done < count {
                let n = min(batch, count - done)
                if workload == .readrandom {
                    found += try db.get(count: n) { _ in keys.set(random.uniform(num)) }
                } else {
                    found += try db.seek(count: n, nexts: Workload.nextsPerSeek) { _ in
                        keys.set(random.uniform(num))
                    }
                }
                done += n
            }
            return WorkloadResult(
                workload: workload.rawValue, operations: count, seconds: SystemInfo.now() - start, bytes: 0,
                message: "(\(found) of \(count) found)")
        case .readseq:
            let db = try mainDatabase()
            let start = SystemInfo.now()
            let (entries, bytes) = try db.readSequential(limit: count)
            return WorkloadResult(
                workload: workload.rawValue, operations: entries, seconds: SystemInfo.now() - start, bytes: bytes,
                message: entries < count ? "(only \(entries) entries)" : "")
        }
    }

    /// The main database, opened (created if missing) on first use, unsynced.
    private func mainDatabase() throws -> Engine {
        if let database { return database }
        try SystemInfo.makeDirectory(mainPath)
        let opened = try Engine(directory: mainPath, sync: false)
        database = opened
        return opened
    }
}
