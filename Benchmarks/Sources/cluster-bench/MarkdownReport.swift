import Foundation

/// The markdown cluster-bench prints: a heading, one table row per workload as each finishes, and
/// the facts needed to reproduce the run.
struct MarkdownReport {
    /// The command line.
    let options: ClusterBenchOptions

    /// The heading and the table's header.
    func header() -> String {
        let warmup = options.warmup > 0 ? " after \(Self.number(options.warmup)) s warmup" : ""
        return """
            ### cluster-bench: \(options.system.rawValue), \(options.clients) clients, \
            \(Self.number(options.duration)) s per workload\(warmup)

            | system | workload | requests/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx | errors \
            | client CPU µs/req | load avg (1/5/15 min) |
            |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|

            """
    }

    /// The row of one workload's result. Errors are transport failures plus redirects (3xx).
    func row(_ workload: Workload, _ result: LoadRunner.TimedResult, loadAverage: String) -> String {
        let report = result.report
        let histogram = report.histogram
        func milliseconds(_ nanoseconds: UInt64) -> String { String(format: "%.2f", Double(nanoseconds) / 1e6) }
        let cells = [
            options.system.rawValue,
            workload.rawValue,
            Self.grouped(Int(result.requestsPerSecond.rounded())),
            milliseconds(histogram.value(atPercentile: 50)),
            milliseconds(histogram.value(atPercentile: 90)),
            milliseconds(histogram.value(atPercentile: 99)),
            milliseconds(histogram.maximum),
            String(report.failures),
            String(report.transportErrors + report.redirects),
            String(format: "%.1f", result.cpuMicrosecondsPerRequest),
            loadAverage,
        ]
        return "| " + cells.joined(separator: " | ") + " |\n"
    }

    /// The lines after the table.
    func footer(target: String, commandLine: String, started: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return """

            Target: \(target). Run at \(formatter.string(from: started)) on \(Self.cpuDescription()), \
            \(options.threads) client thread(s), \(options.keys) keys, \(options.leases) leases, \
            \(options.valueSize)-byte values.

            ```sh
            \(commandLine)
            ```

            """
    }

    /// `n` with thousands separators (`12,345`).
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return n < 0 ? "-" + result : result
    }

    /// A number of seconds without a needless `.0`.
    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// The 1-, 5- and 15-minute load averages, as /proc/loadavg shows them, joined by ` / `.
    static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
        return text.split(separator: " ").prefix(3).joined(separator: " / ")
    }

    /// "<count> x <model name>" from /proc/cpuinfo.
    static func cpuDescription() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "?" }
        var count = 0
        var model = "?"
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            count += 1
            if let colon = line.firstIndex(of: ":") {
                model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "\(count) x \(model)"
    }

    /// The command line shell-quoted, so the report shows exactly what was run.
    static func quotedCommandLine(_ arguments: [String]) -> String {
        arguments.map { argument in
            let plain = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:+@".contains($0) }
            return plain && !argument.isEmpty
                ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
