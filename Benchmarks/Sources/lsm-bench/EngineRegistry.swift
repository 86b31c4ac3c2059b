import BenchSupport

/// Maps engine names to engine types, and runs a child process's workloads with the chosen one.
enum EngineRegistry {
    /// Runs `workloads` on the engine called `name` in `directory`, calling `progress` with the
    /// report so far after each workload; throws for an unknown or compiled-out engine.
    static func run(
        engine name: String, workloads: [Workload], num: Int, reads: Int, directory: String, cacheBytes: Int,
        progress: (EngineReport) throws -> Void
    ) throws -> EngineReport {
        switch name {
        case LevelDBEngine.name:
            return try WorkloadRunner<LevelDBEngine>(
                num: num, reads: reads, directory: directory, cacheBytes: cacheBytes
            )
            .run(workloads, progress: progress)
        case RocksDBEngine.name:
            return try WorkloadRunner<RocksDBEngine>(
                num: num, reads: reads, directory: directory, cacheBytes: cacheBytes
            )
            .run(workloads, progress: progress)
        case "ours":
            return try WorkloadRunner<OursEngine>(
                num: num, reads: reads, directory: directory, cacheBytes: cacheBytes
            )
            .run(workloads, progress: progress)
        default:
            throw BenchError("unknown engine '\(name)'")
        }
    }
}
