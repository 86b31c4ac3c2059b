/// Everything a child process reports back to the parent, and its line format in the result file:
/// `result <TAB> workload <TAB> operations <TAB> seconds <TAB> bytes <TAB> message`,
/// `baseline_rss_kib <TAB> n`, `baseline_anon_kib <TAB> n`, `peak_rss_kib <TAB> n`,
/// `anon_rss_kib <TAB> n`, `db_bytes <TAB> n`.
public struct EngineReport: Sendable {
    public var results: [WorkloadResult] = []
    /// Resident set size of the child before it opened any database (runtime, libraries, value
    /// pool), KiB: the part of the peak that is not the engine's.
    public var baselineResidentKiB: Int?
    /// The anonymous part (`RssAnon`) of the baseline, KiB.
    public var baselineAnonymousKiB: Int?
    /// Peak resident set size of the child (VmHWM), KiB.
    public var peakResidentKiB: Int?
    /// The largest anonymous RSS (`RssAnon`) seen at the end of each workload, KiB: memory the
    /// process allocated, without file pages an engine mmaps (LevelDB maps its tables).
    public var anonymousResidentKiB: Int?
    /// Size of the main database directory after the last workload, bytes.
    public var databaseBytes: Int?

    /// The result file's text.
    public func encoded() -> String {
        var lines: [String] = []
        for r in results {
            lines.append(
                ["result", r.workload, String(r.operations), String(r.seconds), String(r.bytes), r.message]
                    .joined(separator: "\t"))
        }
        if let baselineResidentKiB { lines.append("baseline_rss_kib\t\(baselineResidentKiB)") }
        if let baselineAnonymousKiB { lines.append("baseline_anon_kib\t\(baselineAnonymousKiB)") }
        if let peakResidentKiB { lines.append("peak_rss_kib\t\(peakResidentKiB)") }
        if let anonymousResidentKiB { lines.append("anon_rss_kib\t\(anonymousResidentKiB)") }
        if let databaseBytes { lines.append("db_bytes\t\(databaseBytes)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses a result file's text; throws on a malformed line.
    public init(decoding text: String) throws {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch fields.first {
            case "result" where fields.count == 6:
                guard let operations = Int(fields[2]), let seconds = Double(fields[3]), let bytes = Int(fields[4])
                else {
                    throw BenchError("bad result line: \(line)")
                }
                results.append(
                    WorkloadResult(
                        workload: fields[1], operations: operations, seconds: seconds, bytes: bytes, message: fields[5])
                )
            case "baseline_rss_kib" where fields.count == 2:
                baselineResidentKiB = Int(fields[1])
            case "baseline_anon_kib" where fields.count == 2:
                baselineAnonymousKiB = Int(fields[1])
            case "peak_rss_kib" where fields.count == 2:
                peakResidentKiB = Int(fields[1])
            case "anon_rss_kib" where fields.count == 2:
                anonymousResidentKiB = Int(fields[1])
            case "db_bytes" where fields.count == 2:
                databaseBytes = Int(fields[1])
            default:
                throw BenchError("bad line in result file: \(line)")
            }
        }
    }

    public init() {}
}
