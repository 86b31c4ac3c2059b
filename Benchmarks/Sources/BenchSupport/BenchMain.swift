import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The program both comparison tools are: without `--engine` it is the parent, which re-executes
/// itself once per engine (child mode, `--engine X`) and prints the markdown report.
public enum BenchMain {
    /// Runs `tool` with the process's arguments and exits. `runEngine` runs one engine's workloads in
    /// a child, calling its progress argument with the report so far after each workload.
    public static func run(
        tool: BenchTool,
        runEngine: (_ engine: String, BenchOptions, _ progress: (EngineReport) throws -> Void) throws -> EngineReport
    ) -> Never {
        do {
            let options = try BenchOptions(parsing: Array(CommandLine.arguments.dropFirst()), for: tool)
            if options.help {
                print(tool.usage)
            } else if let engine = options.engine {
                try runChild(engine: engine, options: options, runEngine: runEngine)
            } else if try !runParent(tool: tool, options: options) {
                exit(1)
            }
            exit(0)
        } catch {
            logLine("\(tool.name): \(error)")
            exit(1)
        }
    }

    /// Child mode: run the workloads on one engine, writing the report file after each workload (so a
    /// crash leaves the results so far) and once more at the end with peak RSS and database size.
    private static func runChild(
        engine: String, options: BenchOptions,
        runEngine: (String, BenchOptions, (EngineReport) throws -> Void) throws -> EngineReport
    ) throws {
        guard options.directory != nil, let resultFile = options.resultFile else {
            throw BenchError("--engine needs --dir and --result-file")
        }
        func save(_ report: EngineReport) throws {
            do {
                try report.encoded().write(toFile: resultFile, atomically: true, encoding: .utf8)
            } catch {
                throw BenchError("cannot write \(resultFile): \(error)")
            }
        }
        try save(try runEngine(engine, options, save))
    }

    /// Parent mode: run each engine in a child and print the report; returns whether every child
    /// that ran finished cleanly.
    private static func runParent(tool: BenchTool, options: BenchOptions) throws -> Bool {
        let started = Date()
        let comparison = try BenchComparison(tool: tool, options: options).run()
        let report = BenchReport(
            tool: tool, options: options, runs: comparison.runs, loadBefore: comparison.loadBefore,
            loadAfter: comparison.loadAfter, commandLine: quotedCommandLine(), date: started)
        print(report.render(), terminator: "")
        return !comparison.runs.contains { $0.failure != nil && $0.outcome != nil }
    }

    /// The command line shell-quoted, so the report shows exactly what was run.
    static func quotedCommandLine() -> String {
        CommandLine.arguments.map { argument in
            let plain = argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:+@".contains($0) }
            return plain && !argument.isEmpty
                ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
