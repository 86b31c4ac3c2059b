// lsm-bench: LevelDB's db_bench workloads against ours, LevelDB and RocksDB. Without --engine it is
// the parent: it re-executes itself once per engine (child mode, --engine X) and prints the report.
import BenchSupport
import Foundation
import Glibc

/// The command line shell-quoted, so the report shows exactly what was run.
func quotedCommandLine() -> String {
    CommandLine.arguments.map { argument in
        let plain = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:+@".contains($0) }
        return plain && !argument.isEmpty ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }.joined(separator: " ")
}

/// Child mode: run the workloads on one engine, writing the report file after each workload (so a
/// crash leaves the results so far) and once more at the end with peak RSS and database size.
func runChild(engine: String, options: BenchOptions) throws {
    guard let directory = options.directory, let resultFile = options.resultFile else {
        throw BenchError("--engine needs --dir and --result-file")
    }
    func save(_ report: EngineReport) throws {
        do {
            try report.encoded().write(toFile: resultFile, atomically: true, encoding: .utf8)
        } catch {
            throw BenchError("cannot write \(resultFile): \(error)")
        }
    }
    let report = try EngineRegistry.run(
        engine: engine, workloads: options.workloads, num: options.num, reads: options.effectiveReads,
        directory: directory, cacheBytes: options.cacheMegabytes << 20, progress: save)
    try save(report)
}

/// Parent mode: run each engine in a child and print the markdown report.
func runParent(options: BenchOptions) throws {
    let started = Date()
    let comparison = try Comparison(options: options).run()
    let report = MarkdownReport(
        options: options, runs: comparison.runs, loadBefore: comparison.loadBefore,
        loadAfter: comparison.loadAfter, commandLine: quotedCommandLine(), date: started)
    print(report.render(), terminator: "")
    if comparison.runs.contains(where: { $0.failure != nil && $0.outcome != nil }) { exit(1) }
}

do {
    let options = try BenchOptions(parsing: Array(CommandLine.arguments.dropFirst()))
    if options.help {
        print(BenchOptions.usage)
    } else if let engine = options.engine {
        try runChild(engine: engine, options: options)
    } else {
        try runParent(options: options)
    }
} catch {
    logLine("lsm-bench: \(error)")
    exit(1)
}
