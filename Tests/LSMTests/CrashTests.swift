import Foundation
import LSM
import Testing

/// Kills a writing child process with SIGKILL at random moments and checks that every write it had
/// seen acknowledged (`sync: true`) is there after reopening, intact, and that batches are atomic.
@Suite("Crash recovery with kill -9")
struct CrashTests {
    /// The `lsm-tool` binary built beside the test bundle.
    static func toolPath() throws -> String {
        var candidates: [String] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("lsm-tool").path)
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/lsm-tool")
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CrashTestError.toolNotFound(candidates)
        }
        return found
    }

    enum CrashTestError: Error { case toolNotFound([String]) }

    /// Mirrors `stressValue` in lsm-tool.
    static func stressValue(_ i: Int) -> [UInt8] {
        (0..<100).map { UInt8(truncatingIfNeeded: (i &* 131 &+ $0 &* 7) ^ (i >> 3)) }
    }

    /// Synced writes must survive the kill; so must unsynced ones, which a crash of the process
    /// (not of the machine) leaves in the page cache: the WAL's records are copied into a shared
    /// mapping of the file or written with `pwrite`, both of which the kernel keeps.
    @Test("20 rounds of SIGKILL during writes lose no acknowledged write", arguments: [true, false])
    func killDuringWrites(synced: Bool) throws {
        let seed = testSeed(default: synced ? 7_001 : 7_002)
        var random = SeededGenerator(seed: seed)
        let tool = try Self.toolPath()
        let directory = TemporaryDirectory("lsm-crash")
        defer { directory.cleanup() }
        var next = 0
        var acknowledged: [Int] = []

        for round in 0..<20 {
            let context = "seed \(seed) (replay with LSM_TEST_SEED=\(seed)), round \(round), synced \(synced)"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments =
                ["stress", directory.path, "--start", String(next), "--count", "1000000"]
                + (synced ? [] : ["--no-sync"])
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Let it write for a random while, then kill it mid-stream.
            let millis = Int.random(in: 30...400, using: &random)
            usleep(UInt32(millis * 1000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // Only complete lines are acknowledgements; a partial last line was not seen by anyone.
            var lines = output.split(separator: "\n", omittingEmptySubsequences: false)
            if output.last != "\n" { lines.removeLast() }
            let acked = lines.compactMap { Int($0) }
            acknowledged += acked
            let highest = (acked.last ?? next - 1)

            let db = try LSMStore(directory: directory.path)
            for i in acked {
                if i % 5 == 0 {
                    for part in 0..<3 {
                        let value = try db.get(Array("batch-\(i)-\(part)".utf8))
                        try #require(value == Self.stressValue(i), "acknowledged batch \(i) lost: \(context)")
                    }
                } else {
                    let value = try db.get(Array("stress-\(i)".utf8))
                    try #require(value == Self.stressValue(i), "acknowledged write \(i) lost: \(context)")
                }
            }
            // The write in flight at the kill may or may not be there; if it is, it is whole.
            let inFlight = highest + 1
            if inFlight % 5 == 0 {
                let parts = try (0..<3).map { try db.get(Array("batch-\(inFlight)-\($0)".utf8)) }
                let present = parts.filter { $0 != nil }.count
                #expect(present == 0 || present == 3, "batch \(inFlight) half applied: \(context)")
                for part in parts where part != nil { #expect(part == Self.stressValue(inFlight), "\(context)") }
            } else if let value = try db.get(Array("stress-\(inFlight)".utf8)) {
                #expect(value == Self.stressValue(inFlight), "\(context)")
            }
            try db.close()
            next = inFlight + 1
        }
        #expect(acknowledged.count > 20, "the child acknowledged too few writes to test anything")

        // A final full check after all rounds, with a compaction in between.
        let db = try LSMStore(directory: directory.path)
        try db.compactRange()
        for i in acknowledged where i % 5 != 0 {
            #expect(try db.get(Array("stress-\(i)".utf8)) == Self.stressValue(i), "seed \(seed)")
        }
        try db.close()
    }
}
