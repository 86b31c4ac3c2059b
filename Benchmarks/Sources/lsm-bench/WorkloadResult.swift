/// What one workload measured in one engine's child process.
struct WorkloadResult: Sendable {
    /// The workload's name.
    var workload: String
    /// Operations done.
    var operations: Int
    /// Wall-clock seconds of the timed loop.
    var seconds: Double
    /// Key and value bytes written or read (0 where db_bench reports none).
    var bytes: Int
    /// db_bench-style remark, e.g. "(632194 of 1000000 found)"; may be empty.
    var message: String

    /// Operations per second.
    var operationsPerSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }

    /// Microseconds per operation, db_bench's headline number.
    var microsecondsPerOperation: Double { operations > 0 ? seconds * 1e6 / Double(operations) : 0 }
}
