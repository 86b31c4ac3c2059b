import Foundation

/// The parent process: runs each engine's workloads in a child process of its own, one engine after
/// another, and collects what the children report.
public struct BenchComparison {
    /// The tool whose children run.
    public let tool: BenchTool
    /// The parent's command line.
    public let options: BenchOptions

    /// A comparison of `options.engines` for `tool`.
    public init(tool: BenchTool, options: BenchOptions) {
        self.tool = tool
        self.options = options
    }

    /// Runs every requested engine and returns their runs in the order asked for, with the load
    /// average before and after.
    public func run() throws -> (runs: [EngineRun], loadBefore: String, loadAfter: String) {
        let temporaryRoot = options.directory == nil
        let root = try options.directory ?? SystemInfo.makeTemporaryDirectory(prefix: tool.name)
        try SystemInfo.makeDirectory(root)
        defer {
            if temporaryRoot { try? SystemInfo.removeTree(root) }
        }
        let loadBefore = SystemInfo.loadAverage()
        var runs: [EngineRun] = []
        for engine in options.engines {
            runs.append(try run(engine: engine, root: root, keepDatabase: !temporaryRoot))
        }
        return (runs, loadBefore, SystemInfo.loadAverage())
    }

    private func run(engine: String, root: String, keepDatabase: Bool) throws -> EngineRun {
        var run = EngineRun(engine: engine)
        let directory = root + "/" + engine
        let resultFile = root + "/" + engine + ".result"
        try SystemInfo.removeTree(directory)
        try SystemInfo.removeTree(resultFile)
        try SystemInfo.makeDirectory(directory)
        logLine("\(tool.name): running \(engine) in \(directory) (load average \(SystemInfo.loadAverage()))")
        var arguments = [
            "--engine", engine,
            "--workload-list", options.workloads.map(\.rawValue).joined(separator: ","),
            "--num", String(options.num),
            "--reads", String(options.effectiveReads),
            "--dir", directory,
            "--result-file", resultFile,
        ]
        if tool.acceptsCacheSize { arguments += ["--cache-mb", String(options.cacheMegabytes)] }
        let outcome = try ChildProcess.runSelf(arguments: arguments)
        run.outcome = outcome
        if let text = try? String(contentsOfFile: resultFile, encoding: .utf8) {
            run.report = try EngineReport(decoding: text)
        }
        if let signal = outcome.signal {
            run.failure = "child killed by signal \(signal)"
        } else if let code = outcome.exitCode, code != 0 {
            run.failure = "child exited with status \(code)"
        } else if run.report == nil {
            run.failure = "child wrote no results"
        }
        if !keepDatabase {
            try SystemInfo.removeTree(directory)
            try SystemInfo.removeTree(resultFile)
        }
        return run
    }
}
