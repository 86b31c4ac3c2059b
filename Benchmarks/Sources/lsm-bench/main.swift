// lsm-bench: LevelDB's db_bench workloads against ours, LevelDB and RocksDB. Without --engine it is
// the parent: it re-executes itself once per engine (child mode, --engine X) and prints the report.
import BenchSupport

let lsmBench = BenchTool(
    name: "lsm-bench", engines: ["ours", "leveldb", "rocksdb"], acceptsCacheSize: true,
    title: "db_bench workloads, ours vs LevelDB vs RocksDB",
    setup: { options in
        "Entries: \(options.num); reads: \(options.effectiveReads); keys: 16 bytes; values: 100 bytes "
            + "(~50 after compression); writes one per call, not synced except fillsync "
            + "(\(max(1, options.num / 100)) writes, own fresh DB)"
    },
    residentNote:
        "Peak RSS is the child's VmHWM, which counts file pages an engine mmaps (LevelDB maps its tables). "
        + "Max anon RSS is the largest RssAnon (allocated memory only) seen at the end of a workload. "
        + "Baseline RSS is VmRSS before any database is opened (Swift runtime, both peer libraries, the "
        + "1 MiB value pool). CPU s includes background compaction threads.",
    summary: """
        Prints a markdown report (ops/s per workload and engine, peak RSS) to standard output and
        progress to standard error.
        """)

BenchMain.run(tool: lsmBench) { engine, options, progress in
    try EngineRegistry.run(
        engine: engine, workloads: options.workloads, num: options.num, reads: options.effectiveReads,
        directory: options.directory ?? "", cacheBytes: options.cacheMegabytes << 20, progress: progress)
}
