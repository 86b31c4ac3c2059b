import Foundation
import Raft
import Testing

/// Kills a child process that appends and syncs log entries (`raft-storage-stress`) with SIGKILL at
/// random moments, and checks after each kill that every entry it acknowledged is in the reopened log,
/// intact, and that the log is whole (no gap, every present entry correct).
@Suite("Raft storage: crash recovery with kill -9")
struct StorageCrashTests {
    /// The `raft-storage-stress` binary built beside the test bundle.
    static func stressToolPath() throws -> String {
        var candidates: [String] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("raft-storage-stress").path)
            directory = directory.deletingLastPathComponent()
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/raft-storage-stress")
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw StressToolNotFound(candidates: candidates)
        }
        return found
    }

    struct StressToolNotFound: Error { let candidates: [String] }

    /// Mirrors `stressData` in raft-storage-stress.
    static func stressData(_ index: UInt64) -> [UInt8] {
        let count = Int(index % 300) + 1
        return (0..<count).map { UInt8(truncatingIfNeeded: index &* 131 &+ UInt64($0) &* 7) }
    }

    @Test("20 rounds of SIGKILL during synced appends lose no acknowledged entry")
    func killDuringAppends() throws {
        let seed = storageTestSeed(default: 4_001)
        print("StorageCrashTests: seed \(seed) (replay with RAFT_STORAGE_TEST_SEED=\(seed))")
        var random = StorageTestRandom(seed: seed)
        let tool = try Self.stressToolPath()
        let directory = StorageTestDirectory("log-crash")
        defer { directory.cleanup() }
        var highestAcknowledged: UInt64 = 0
        var acknowledgedCount = 0
        // Each round checks the entries from a little before where the previous round's log ended;
        // the whole log is checked once more at the end.
        var checkedUpTo: UInt64 = 0

        for round in 0..<20 {
            let context = "seed \(seed) (replay with RAFT_STORAGE_TEST_SEED=\(seed)), round \(round)"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = [
                directory.path, "--seed", String(random.next()), "--segment-size", "65536",
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            // However the test leaves this round, the child does not outlive it.
            defer {
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                }
            }
            usleep(UInt32(Int.random(in: 10...150, using: &random) * 1000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // Only complete lines are acknowledgements; a partial last line was seen by no one.
            var lines = output.split(separator: "\n", omittingEmptySubsequences: false)
            if output.last != "\n" { lines.removeLast() }
            let acknowledged = lines.compactMap { UInt64($0) }
            acknowledgedCount += acknowledged.count
            highestAcknowledged = max(highestAcknowledged, acknowledged.last ?? 0)

            let log = try SegmentedLog(directory: directory.path)
            try #require(
                log.lastIndex >= highestAcknowledged,
                "log ends at \(log.lastIndex) but \(highestAcknowledged) was acknowledged: \(context)")
            try Self.check(log, from: max(log.firstIndex, checkedUpTo > 100 ? checkedUpTo - 100 : 1), context: context)
            checkedUpTo = log.lastIndex
            try log.close()
        }
        #expect(acknowledgedCount > 20, "the child acknowledged too few batches to test anything (seed \(seed))")
        let log = try SegmentedLog(directory: directory.path)
        try Self.check(log, from: log.firstIndex, context: "seed \(seed), final check")
        #expect(log.firstIndex == 1 && log.lastIndex >= highestAcknowledged)
    }

    /// Checks that the log's entries from `start` to its end are the stress tool's.
    static func check(_ log: SegmentedLog, from start: UInt64, context: String) throws {
        var index = start
        while index <= log.lastIndex {
            let entries = try log.entries(in: index..<(log.lastIndex + 1), maxBytes: 1 << 20)
            for entry in entries {
                try #require(entry.index == index, "\(context)")
                try #require(
                    entry.term == index / 1000 + 1 && entry.data == stressData(index),
                    "entry \(index) damaged: \(context)")
                index += 1
            }
        }
    }
}
