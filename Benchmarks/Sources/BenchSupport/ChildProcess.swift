import Glibc

/// Runs this same executable again as a child process, so that each engine is measured in a
/// process of its own: its peak RSS and CPU time are its alone.
public enum ChildProcess {
    /// How a child ended and what it used, from `wait4`.
    public struct Outcome: Sendable {
        /// Exit code, or nil if a signal ended it.
        public var exitCode: Int32?
        /// The signal that ended it, if any.
        public var signal: Int32?
        /// User plus system CPU seconds.
        public var cpuSeconds: Double
        /// Wall-clock seconds from spawn to exit.
        public var wallSeconds: Double
    }

    /// Starts `/proc/self/exe` with `arguments` (standard output and error inherited) and waits for it.
    public static func runSelf(arguments: [String]) throws -> Outcome {
        let executable = try selfExecutable()
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pointers: [UnsafeMutablePointer<CChar>?] = argv + [nil]
        var pid: pid_t = 0
        let start = SystemInfo.now()
        let spawned = pointers.withUnsafeMutableBufferPointer { buffer in
            posix_spawn(&pid, executable, nil, nil, buffer.baseAddress!, environ)
        }
        guard spawned == 0 else { throw BenchError("posix_spawn \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4: \(String(cString: strerror(errno)))") }
        }
        let wall = SystemInfo.now() - start
        let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime)
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        let signal = status & 0x7f
        if signal == 0 {
            return Outcome(exitCode: (status >> 8) & 0xff, signal: nil, cpuSeconds: cpu, wallSeconds: wall)
        }
        return Outcome(exitCode: nil, signal: signal, cpuSeconds: cpu, wallSeconds: wall)
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) * 1e-6
    }

    /// The path of the running executable.
    private static func selfExecutable() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw BenchError("readlink /proc/self/exe: \(String(cString: strerror(errno)))") }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
