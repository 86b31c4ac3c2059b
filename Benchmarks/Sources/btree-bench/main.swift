// btree-bench: db_bench's workloads, in transactions, against this project's B+tree and LMDB. Without
// --engine it is the parent: it re-executes itself once per engine (child mode, --engine X) and prints
// the report.
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

/// Child mode: run the workloads on one engine, saving the report after each workload.
func runChild(engine: String, options: BTreeBenchOptions) throws {
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
    let report: EngineReport
    switch engine {
    case OursBTreeEngine.name:
        report = try BTreeWorkloadRunner<OursBTreeEngine>(
            num: options.num, reads: options.effectiveReads, directory: directory
        ).run(options.workloads, progress: save)
    case LMDBEngine.name:
        report = try BTreeWorkloadRunner<LMDBEngine>(
            num: options.num, reads: options.effectiveReads, directory: directory
        ).run(options.workloads, progress: save)
    default:
        throw BenchError("unknown engine '\(engine)'")
    }
    try save(report)
}

/// Parent mode: run each engine in a child and print the markdown report.
func runParent(options: BTreeBenchOptions) throws {
    let started = Date()
    let comparison = try BTreeComparison(options: options).run()
    let report = BTreeMarkdownReport(
        options: options, runs: comparison.runs, loadBefore: comparison.loadBefore,
        loadAfter: comparison.loadAfter, commandLine: quotedCommandLine(), date: started)
    print(report.render(), terminator: "")
    if comparison.runs.contains(where: { $0.failure != nil && $0.outcome != nil }) { exit(1) }
}

do {
    let options = try BTreeBenchOptions(parsing: Array(CommandLine.arguments.dropFirst()))
    if options.help {
        print(BTreeBenchOptions.usage)
    } else if let engine = options.engine {
        try runChild(engine: engine, options: options)
    } else {
        try runParent(options: options)
    }
} catch {
    logLine("btree-bench: \(error)")
    exit(1)
}
