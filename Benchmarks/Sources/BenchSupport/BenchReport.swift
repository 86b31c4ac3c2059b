import Foundation

/// Renders a comparison as markdown: the ops/s table (ours, then each peer with the ratio of ours to
/// it, then the tool's targets if it has any), a table of per-engine resource use, db_bench-style
/// detail lines, and how the numbers were made.
public struct BenchReport {
    let tool: BenchTool
    let options: BenchOptions
    let runs: [EngineRun]
    let loadBefore: String
    let loadAfter: String
    let commandLine: String
    let date: Date

    /// A report of `runs`; see ``BenchComparison/run()``.
    public init(
        tool: BenchTool, options: BenchOptions, runs: [EngineRun], loadBefore: String, loadAfter: String,
        commandLine: String, date: Date
    ) {
        self.tool = tool
        self.options = options
        self.runs = runs
        self.loadBefore = loadBefore
        self.loadAfter = loadAfter
        self.commandLine = commandLine
        self.date = date
    }

    /// The whole report.
    public func render() -> String {
        var out: [String] = []
        out.append("## \(tool.name): \(tool.title)")
        out.append("")
        out.append("- Command: `\(commandLine)`")
        out.append("- Date: \(ISO8601DateFormatter().string(from: date)); CPU: \(SystemInfo.cpuDescription())")
        out.append("- Load average (1/5/15 min) before: \(loadBefore); after: \(loadAfter)")
        out.append("- " + tool.setup(options))
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
        let peers = tool.peers
        var header = "| workload | ours ops/s |"
        var rule = "|---|---:|"
        for peer in peers {
            header += " \(peer) ops/s | ours/\(peer) |"
            rule += "---:|---:|"
        }
        if !tool.targets.isEmpty {
            header += " target |"
            rule += "---|"
        }
        var lines = [header, rule]
        var seen: [Workload: Int] = [:]
        for (index, workload) in options.workloads.enumerated() {
            seen[workload, default: 0] += 1
            let repeats = seen[workload, default: 1]
            let label = repeats > 1 ? "\(workload.rawValue) #\(repeats)" : workload.rawValue
            let ours = run("ours")?.result(at: index)?.operationsPerSecond
            var line = "| \(label) | \(Self.count(ours)) |"
            for peer in peers {
                let theirs = run(peer)?.result(at: index)?.operationsPerSecond
                line += " \(Self.count(theirs)) | \(Self.ratio(ours, theirs)) |"
            }
            if !tool.targets.isEmpty {
                var target = ""
                if let goal = tool.targets[workload.rawValue] {
                    target = "≥ \(goal)x"
                    let first = peers.first.flatMap { run($0)?.result(at: index)?.operationsPerSecond }
                    if let ours, let first, first > 0 { target += ours / first >= goal ? ": met" : ": not met" }
                }
                line += " \(target) |"
            }
            lines.append(line)
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
        lines.append(tool.residentNote)
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
