import Foundation

/// The part of running a list of workloads in a child process that does not depend on the engine:
/// resident-memory bookkeeping, progress reports and log lines.
public enum WorkloadSequence {
    /// Runs `workloads` in order with `runOne`, logging each to standard error as `engine` and
    /// passing the report so far to `progress` as it finishes; then calls `finish` (which closes the
    /// main database) and returns the results with the process's peak RSS and the size of the main
    /// database's directory `databasePath`.
    public static func run(
        _ workloads: [Workload], engine: String, databasePath: String,
        progress: (EngineReport) throws -> Void, runOne: (Workload) throws -> WorkloadResult,
        finish: () throws -> Void
    ) throws -> EngineReport {
        var report = EngineReport()
        report.baselineResidentKiB = SystemInfo.residentKiB()
        report.baselineAnonymousKiB = SystemInfo.anonymousResidentKiB()
        for workload in workloads {
            let result = try runOne(workload)
            report.results.append(result)
            if let anonymous = SystemInfo.anonymousResidentKiB() {
                report.anonymousResidentKiB = max(report.anonymousResidentKiB ?? 0, anonymous)
            }
            try progress(report)
            let name = workload.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
            logLine(
                "\(engine) \(name): \(String(format: "%11.3f", result.microsecondsPerOperation)) micros/op "
                    + "\(String(format: "%10.0f", result.operationsPerSecond)) ops/s \(result.message)")
        }
        try finish()
        report.peakResidentKiB = SystemInfo.peakResidentKiB()
        report.databaseBytes = SystemInfo.directorySize(databasePath)
        return report
    }
}
