import BTree
import Foundation
import Testing

/// Kills a committing child process (`btree-tool stress`) with SIGKILL at random moments and checks
/// that the file always opens, passes `check()`, and holds every commit the child had seen return,
/// each whole.
@Suite("Crash recovery with kill -9")
struct CrashTests {
    /// The `btree-tool` binary built beside the test bundle.
    static func toolPath() throws -> String {
        var candidates: [String] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("btree-tool").path)
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/btree-tool")
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CrashTestError.toolNotFound(candidates)
        }
        return found
    }

    enum CrashTestError: Error { case toolNotFound([String]) }

    /// Mirrors `stressValue` in btree-tool.
    static func stressValue(_ i: Int) -> [UInt8] {
        (0..<100).map { UInt8(truncatingIfNeeded: (i &* 131 &+ $0 &* 7) ^ (i >> 3)) }
    }

    @Test("20 rounds of SIGKILL during synced commits lose no acknowledged commit")
    func killDuringCommits() throws {
        let seed = testSeed(default: 7_003)
        var random = SeededGenerator(seed: seed)
        let tool = try Self.toolPath()
        let directory = TemporaryDirectory("btree-crash")
        defer { directory.cleanup() }
        var next = 0
        var acknowledged: [Int] = []

        for round in 0..<20 {
            let context = "seed \(seed) (replay with BTREE_TEST_SEED=\(seed)), round \(round)"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = ["stress", directory.database, "--start", String(next), "--count", "1000000"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Let it commit for a random while, then kill it mid-stream.
            usleep(UInt32(Int.random(in: 30...300, using: &random) * 1000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // Only complete lines are acknowledgements; a partial last line was not seen by anyone.
            var lines = output.split(separator: "\n", omittingEmptySubsequences: false)
            if output.last != "\n" { lines.removeLast() }
            let acked = lines.compactMap { Int($0) }
            acknowledged += acked
            let highest = acked.last ?? next - 1

            let db = try BTreeDB(path: directory.database)
            try db.check()
            try db.view { tx in
                let b = try #require(try tx.bucket("stress"), "no stress bucket: \(context)")
                for i in acked {
                    try #require(try b.get(bytes("stress-\(i)")) == Self.stressValue(i), "commit \(i) lost: \(context)")
                    if i % 5 == 0 {
                        for part in 0..<3 {
                            try #require(try b.get(bytes("batch-\(i)-\(part)")) == Self.stressValue(i), "\(context)")
                        }
                    }
                }
                // The commit in flight at the kill may or may not be there; if it is, it is whole.
                let inFlight = highest + 1
                let main = try b.get(bytes("stress-\(inFlight)"))
                if let main { #expect(main == Self.stressValue(inFlight), "\(context)") }
                if inFlight % 5 == 0 {
                    let parts = try (0..<3).map { try b.get(bytes("batch-\(inFlight)-\($0)")) }
                    #expect(
                        parts.allSatisfy { ($0 != nil) == (main != nil) }, "commit \(inFlight) half applied: \(context)"
                    )
                }
            }
            try db.close()
            next = highest + 2
        }
        #expect(acknowledged.count > 20, "the child acknowledged too few commits to test anything")
    }

    @Test("a second writer, in another process or this one, is refused with .locked")
    func secondWriterIsLockedOut() throws {
        let directory = TemporaryDirectory("btree-lock")
        defer { directory.cleanup() }
        let db = try BTreeDB(path: directory.database)
        #expect(throws: BTreeError.locked(path: directory.database)) { try BTreeDB(path: directory.database) }
        var readOnly = BTreeOptions()
        readOnly.readOnly = true
        #expect(throws: BTreeError.locked(path: directory.database)) {
            try BTreeDB(path: directory.database, options: readOnly)
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.toolPath())
        process.arguments = ["put", directory.database, "kv", "k", "v"]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 1)
        #expect(message.contains("locked"), "child said: \(message)")
        try db.close()

        // Once closed, the file can be opened again; read-only openers share it.
        let first = try BTreeDB(path: directory.database, options: readOnly)
        let second = try BTreeDB(path: directory.database, options: readOnly)
        #expect(throws: BTreeError.databaseReadOnly) { try first.update { _ in } }
        try first.close()
        try second.close()
    }
}
