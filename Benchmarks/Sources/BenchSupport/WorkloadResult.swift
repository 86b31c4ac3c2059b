/// What one workload measured in one engine's child process.
public struct WorkloadResult: Sendable {
    /// The workload's name.
    public var workload: String
    /// Operations done.
    public var operations: Int
    /// Wall-clock seconds of the timed loop.
    public var seconds: Double
    /// Key and value bytes written or read (0 where db_bench reports none).
    public var bytes: Int
    /// db_bench-style remark, e.g. "(632194 of 1000000 found)"; may be empty.
    public var message: String

    /// A result from its fields.
    public init(workload: String, operations: Int, seconds: Double, bytes: Int, message: String) {
        self.workload = workload
        self.operations = operations
        self.seconds = seconds
        self.bytes = bytes
        self.message = message
    }

    /// Operations per second.
    public var operationsPerSecond: Double { seconds > 0 ? Double(operations) / seconds : 0 }

    /// Microseconds per operation, db_bench's headline number.
    public var microsecondsPerOperation: Double { operations > 0 ? seconds * 1e6 / Double(operations) : 0 }
}
