import Foundation
import Synchronization

/// One `raftd` child process on loopback: its flags, data directory and log file, and the means to
/// start, kill (SIGKILL or SIGTERM) and restart it with the same data directory.
///
/// stdout and stderr go to a log file in the test's directory, appended across restarts (each start
/// writes a marker line), so a failure message can show the tail of what the node said.
///
/// `@unchecked Sendable`: the only mutable state, the `Process` of the current run, is read and
/// written under `lock`; Foundation's `Process` may be signalled and waited on from any thread.
final class RaftdProcess: @unchecked Sendable, CustomStringConvertible {
    /// The node id (`-id`).
    let id: String
    /// The HTTP API address (`-haddr`), `127.0.0.1:PORT`.
    let httpAddress: String
    /// The Raft address (`-raddr`), `127.0.0.1:PORT`.
    let raftAddress: String
    /// The HTTP address of the member to join through (`-join`), if any.
    let join: String?
    /// The data directory (the positional argument).
    let dataDirectory: String
    /// Where stdout and stderr go.
    let logPath: String

    /// A command line replacing the seed-style one, if given.
    private let customArguments: [String]?
    private let lock = NSLock()
    private var process: Process?
    private var starts = 0
    private var exitStatus: Int32?

    /// A node; `arguments`, when given, replaces the seed-style command line built from the others.
    init(
        id: String, httpAddress: String, raftAddress: String, join: String?, dataDirectory: String, logPath: String,
        arguments: [String]? = nil
    ) {
        self.customArguments = arguments
        self.id = id
        self.httpAddress = httpAddress
        self.raftAddress = raftAddress
        self.join = join
        self.dataDirectory = dataDirectory
        self.logPath = logPath
    }

    var description: String { "\(id) (http \(httpAddress), raft \(raftAddress))" }

    /// The command line, as the seed's README spells it.
    var arguments: [String] {
        if let customArguments { return customArguments }
        var arguments = ["-id", id, "-haddr", httpAddress, "-raddr", raftAddress]
        if let join { arguments += ["-join", join] }
        return arguments + [dataDirectory]
    }

    /// The `raftd` binary built beside the test bundle (the test target depends on it).
    static func binaryPath() throws -> String {
        var candidates: [String] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("raftd").path)
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/raftd")
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ClusterError("the raftd binary was not found; looked at \(candidates)")
        }
        return found
    }

    /// Whether the process of the last start is still running.
    var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }

    /// The pid of the running process, if any.
    var pid: Int32? { lock.withLock { process.flatMap { $0.isRunning ? $0.processIdentifier : nil } } }

    /// Starts the node (again, with the same flags and data directory, after a kill).
    func start() throws {
        try lock.withLock {
            if let process, process.isRunning { throw ClusterError("\(id) is already running") }
            starts += 1
            let binary = try Self.binaryPath()
            if !FileManager.default.fileExists(atPath: logPath) {
                _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            }
            guard let log = FileHandle(forWritingAtPath: logPath) else {
                throw ClusterError("cannot open the log file \(logPath)")
            }
            defer { try? log.close() }
            _ = try? log.seekToEnd()
            let marker = "=== start \(starts) of \(id): raftd \(arguments.joined(separator: " ")) ===\n"
            try? log.write(contentsOf: Data(marker.utf8))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: (logPath as NSString).deletingLastPathComponent)
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            LiveChildren.add(process.processIdentifier)
            self.process = process
        }
    }

    /// Sends `signal` and waits until the process has exited. With SIGTERM (a clean shutdown) it
    /// waits up to `grace` seconds, then kills it with SIGKILL. Does nothing when not running.
    func kill(_ signal: Int32 = SIGKILL, grace: Double = 10) {
        lock.withLock {
            guard let process else { return }
            if process.isRunning {
                deliver(signal, to: process.processIdentifier)
                if signal != SIGKILL {
                    let deadline = Date().addingTimeInterval(grace)
                    while process.isRunning && Date() < deadline { usleep(20_000) }
                    if process.isRunning { deliver(SIGKILL, to: process.processIdentifier) }
                }
                process.waitUntilExit()
                exitStatus = process.terminationStatus
            }
            LiveChildren.remove(process.processIdentifier)
        }
    }

    /// The exit status of the last run stopped by ``kill(_:grace:)`` (the signal number when it was
    /// killed by one), or `nil`.
    var lastExitStatus: Int32? { lock.withLock { exitStatus } }

    /// Kills the node (SIGKILL by default) and starts it again with the same data directory.
    func restart(after signal: Int32 = SIGKILL) throws {
        kill(signal)
        try start()
    }

    /// The last `lines` lines of the node's log file.
    func logTail(_ lines: Int = 30) -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "(no log at \(logPath))" }
        let all = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return all.suffix(lines).joined(separator: "\n")
    }
}

/// Sends `signal` to `pid` (the free function, which `RaftdProcess.kill` shadows inside the class).
private func deliver(_ signal: Int32, to pid: Int32) {
    kill(pid, signal)
}

/// Every raftd child still running, so that they are killed even when the test process exits
/// without the tests' own cleanup having run (an `exit` from a failed precondition in the runner).
enum LiveChildren {
    private static let pids = Mutex<Set<Int32>>([])
    private static let installed = Mutex(false)

    static func add(_ pid: Int32) {
        pids.withLock { _ = $0.insert(pid) }
        installed.withLock { done in
            guard !done else { return }
            done = true
            atexit { LiveChildren.killAll() }
        }
    }

    static func remove(_ pid: Int32) {
        pids.withLock { _ = $0.remove(pid) }
    }

    /// SIGKILLs every child still registered.
    static func killAll() {
        for pid in pids.withLock({ $0 }) { kill(pid, SIGKILL) }
    }
}
