import BenchSupport
import Foundation

/// Renders the comparison as markdown: ops/s per workload for ours and LMDB with the ratio, the
/// issue's targets, resource use, and db_bench-style detail lines.
struct BTreeMarkdownReport {
    let options: BTreeBenchOptions
    let runs: [EngineRun]
    let loadBefore: String
    let loadAfter: String
    let commandLine: String
    let date: Date

    /// Workloads with a target ratio (issue 3: at least 0.7x LMDB).
    static let targets: [String: Double] = ["readrandom": 0.7, "seekrandom": 0.7, "fillrandom": 0.7]

    /// The whole report.
    func render() -> String {
        var out: [String] = []
        out.append("## btree-bench: B+tree workloads, ours vs LMDB")
        out.append("")
        out.append("- Command: `\(commandLine)`")
        out.append("- Date: \(ISO8601DateFormatter().string(from: date)); CPU: \(SystemInfo.cpuDescription())")
        out.append("- Load average (1/5/15 min) before: \(loadBefore); after: \(loadAfter)")
        out.append(
            "- Entries: \(options.num); reads: \(options.effectiveReads); keys: 16 bytes; values: 100 bytes; "
                + "fills and overwrite in transactions of \(BTreeWorkload.batchSize) puts, not synced; fillsync: "
                + "\(max(1, options.num / 100)) synced transactions of one put (own fresh database); reads in "
                + "read transactions of \(BTreeWorkload.batchSize) operations; seekrandom = seek + "
                + "\(BTreeWorkload.nextsPerSeek) next")
        out.append("")
        out.append(throughputTable())
        out.append("")
        out.append(resourceTable())
        out.append("")
        out.append("Per-engine detail (db_bench format):")
        out.append("")
        out.append("```")
        for run in runs {
            for result in run.report?.results ?? [] { out.append(detailLine(engine: run.engine, result)) }
            if let failure = run.failure { out.append("\(run.engine): \(failure)") }
        }
        out.append("```")
        return out.joined(separator: "\n") + "\n"
    }

    private func run(_ engine: String) -> EngineRun? {
        runs.first { $0.engine == engine }
    }

    private func throughputTable() -> String {
        var lines = [
            "| workload | ours ops/s | lmdb ops/s | ours/lmdb | target |",
            "|---|---:|---:|---:|---|",
        ]
        for (index, workload) in options.workloads.enumerated() {
            let ours = run("ours")?.result(at: index)?.operationsPerSecond
            let lmdb = run("lmdb")?.result(at: index)?.operationsPerSecond
            var target = ""
            if let goal = Self.targets[workload.rawValue] {
                target = "≥ \(goal)x"
                if let ours, let lmdb, lmdb > 0 { target += ours / lmdb >= goal ? ": met" : ": not met" }
            }
            lines.append(
                "| \(workload.rawValue) | \(Self.count(ours)) | \(Self.count(lmdb)) | \(Self.ratio(ours, lmdb)) | \(target) |"
            )
        }
        return lines.joined(separator: "\n")
    }

    private func resourceTable() -> String {
        var lines = [
            "| engine | peak RSS MiB | max anon RSS MiB | baseline RSS MiB | CPU s (user+sys) | wall s | final DB size MiB | status |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for run in runs {
            let rss = run.report?.peakResidentKiB.map { String(format: "%.1f", Double($0) / 1024) } ?? "—"
            let anonymous = run.report?.anonymousResidentKiB.map { String(format: "%.1f", Double($0) / 1024) } ?? "—"
            var baseline = run.report?.baselineResidentKiB.map { String(format: "%.1f", Double($0) / 1024) } ?? "—"
            if let anonymous = run.report?.baselineAnonymousKiB {
                baseline += String(format: " (anon %.1f)", Double(anonymous) / 1024)
            }
            let cpu = run.outcome.map { String(format: "%.1f", $0.cpuSeconds) } ?? "—"
            let wall = run.outcome.map { String(format: "%.1f", $0.wallSeconds) } ?? "—"
            let size = run.report?.databaseBytes.map { String(format: "%.1f", Double($0) / 1_048_576) } ?? "—"
            lines.append(
                "| \(run.engine) | \(rss) | \(anonymous) | \(baseline) | \(cpu) | \(wall) | \(size) | \(run.failure ?? "ok") |"
            )
        }
        lines.append("")
        lines.append(
            "Peak RSS is the child's VmHWM, which counts the file pages both engines map. Max anon RSS is the "
                + "largest RssAnon (allocated memory only) seen at the end of a workload. Final DB size is the main "
                + "database's files (for LMDB, data.mdb and lock.mdb).")
        return lines.joined(separator: "\n")
    }

    private func detailLine(engine: String, _ result: WorkloadResult) -> String {
        var line =
            engine.padding(toLength: 8, withPad: " ", startingAt: 0)
            + result.workload.padding(toLength: 12, withPad: " ", startingAt: 0)
            + ": " + String(format: "%11.3f micros/op;", result.microsecondsPerOperation)
        if result.bytes > 0 && result.seconds > 0 {
            line += String(format: " %6.1f MB/s", Double(result.bytes) / 1_048_576 / result.seconds)
        }
        if !result.message.isEmpty { line += " " + result.message }
        return line
    }

    /// An ops/s figure as a whole number with thousands separators, or a dash.
    static func count(_ value: Double?) -> String {
        guard let value else { return "—" }
        let digits = String(Int(value.rounded()))
        var grouped = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { grouped += "," }
            grouped.append(character)
        }
        return grouped
    }

    /// `a / b` to two decimals, or a dash.
    static func ratio(_ a: Double?, _ b: Double?) -> String {
        guard let a, let b, b > 0 else { return "—" }
        return String(format: "%.2f", a / b)
    }
}
