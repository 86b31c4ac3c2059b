// btree-bench: db_bench's workloads, in transactions, against this project's B+tree and LMDB. Without
// --engine it is the parent: it re-executes itself once per engine (child mode, --engine X) and prints
// the report.
import BenchSupport

let btreeBench = BenchTool(
    name: "btree-bench", engines: ["ours", "lmdb"], acceptsCacheSize: false,
    title: "B+tree workloads, ours vs LMDB",
    setup: { options in
        let batch = BTreeWorkloadRunner<LMDBEngine>.batchSize
        return "Entries: \(options.num); reads: \(options.effectiveReads); keys: 16 bytes; values: 100 bytes; "
            + "fills and overwrite in transactions of \(batch) puts, not synced; fillsync: "
            + "\(max(1, options.num / 100)) synced transactions of one put (own fresh database); reads in "
            + "read transactions of \(batch) operations; seekrandom = seek + \(Workload.nextsPerSeek) next"
    },
    // Issue 3: at least 0.7x LMDB.
    targets: ["readrandom": 0.7, "seekrandom": 0.7, "fillrandom": 0.7],
    residentNote:
        "Peak RSS is the child's VmHWM, which counts the file pages both engines map. Max anon RSS is the "
        + "largest RssAnon (allocated memory only) seen at the end of a workload. Final DB size is the main "
        + "database's files (for LMDB, data.mdb and lock.mdb).",
    summary: "Prints a markdown report to standard output and progress to standard error.")

BenchMain.run(tool: btreeBench) { engine, options, progress in
    let directory = options.directory ?? ""
    switch engine {
    case OursBTreeEngine.name:
        return try BTreeWorkloadRunner<OursBTreeEngine>(
            num: options.num, reads: options.effectiveReads, directory: directory
        ).run(options.workloads, progress: progress)
    case LMDBEngine.name:
        return try BTreeWorkloadRunner<LMDBEngine>(
            num: options.num, reads: options.effectiveReads, directory: directory
        ).run(options.workloads, progress: progress)
    default:
        throw BenchError("unknown engine '\(engine)'")
    }
}
