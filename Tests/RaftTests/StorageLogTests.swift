import Foundation
import Raft
import Testing

/// The durable log: round trips, rollover, truncation, compaction, and recovery after damage.
@Suite("Raft storage: segmented log")
struct StorageLogTests {
    /// Small segments, so that a few hundred entries span many of them.
    static var smallSegments: SegmentedLogOptions {
        var options = SegmentedLogOptions()
        options.maxSegmentSize = 4096
        options.cacheMaxEntries = 16
        return options
    }

    @Test("appended entries read back from the cache, from files, and after reopening")
    func roundTrip() throws {
        let directory = StorageTestDirectory("log-roundtrip")
        defer { directory.cleanup() }
        let log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        #expect(log.firstIndex == 1 && log.lastIndex == 0)
        try log.append(testEntries(1...300))
        try log.sync()
        #expect(log.lastIndex == 300)
        // The last 16 come from the cache, the rest from files; a range crossing both reads whole.
        #expect(try log.entries(in: 290..<301) == testEntries(290...300))
        #expect(try log.entries(in: 1..<301) == testEntries(1...300))
        #expect(try log.entries(in: 50..<51) == [testEntry(50)])
        #expect(log.term(at: 300) == testEntry(300).term)
        #expect(log.term(at: 0) == nil && log.term(at: 301) == nil)
        try log.close()

        let reopened = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        #expect(reopened.firstIndex == 1 && reopened.lastIndex == 300)
        #expect(try reopened.entries(in: 1..<301) == testEntries(1...300))
        for index in UInt64(1)...300 { #expect(reopened.term(at: index) == testEntry(index).term) }
        try reopened.append(testEntries(301...310))
        try reopened.sync()
        #expect(try reopened.entries(in: 295..<311) == testEntries(295...310))
    }

    @Test("appends, syncs and reads from several threads at once see a consistent log")
    func concurrentUse() async throws {
        let directory = StorageTestDirectory("log-concurrent")
        defer { directory.cleanup() }
        let log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        // Set when the appender stops, even by an error, so the other loops always end.
        let appendsDone = StorageTestFlag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { appendsDone.set() }
                for start in stride(from: UInt64(1), through: 2001, by: 20) {
                    try log.append(testEntries(start...(start + 19)))
                }
            }
            group.addTask {
                var durable: UInt64 = 0
                while !appendsDone.isSet || durable < log.lastIndex {
                    let now = try log.sync()
                    #expect(now >= durable)
                    durable = now
                    await Task.yield()
                }
            }
            group.addTask {
                while !appendsDone.isSet {
                    let last = log.lastIndex
                    if last > 0 {
                        let low = last > 50 ? last - 50 : 1
                        let read = try log.entries(in: low..<(last + 1))
                        #expect(read == testEntries(low...last))
                        #expect(log.term(at: last) == testEntry(last).term)
                    }
                    await Task.yield()
                }
            }
            try await group.waitForAll()
        }
        try log.close()
        #expect(try SegmentedLog(directory: directory.path).entries(in: 1..<2021) == testEntries(1...2020))
    }

    @Test("maxBytes stops a read early but always returns the first entry")
    func maxBytes() throws {
        let directory = StorageTestDirectory("log-maxbytes")
        defer { directory.cleanup() }
        let log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        try log.append((1...100).map { testEntry($0, size: 75) })  // 100 bytes each, encoded
        try log.sync()
        #expect(try log.entries(in: 1..<101, maxBytes: 350).count == 3)
        #expect(try log.entries(in: 1..<101, maxBytes: 10).count == 1)
        #expect(try log.entries(in: 95..<101, maxBytes: 250).count == 2)  // from the cache
        #expect(try log.entries(in: 80..<101, maxBytes: 1000).count == 10)  // files then cache
    }

    @Test("out-of-range reads and non-contiguous appends throw, never trap")
    func badArguments() throws {
        let directory = StorageTestDirectory("log-args")
        defer { directory.cleanup() }
        let log = try SegmentedLog(directory: directory.path)
        try log.append(testEntries(1...10))
        #expect(throws: RaftStorageError.unavailable(index: 11, lastIndex: 10)) { try log.entries(in: 5..<12) }
        #expect(throws: RaftStorageError.self) { try log.append([testEntry(12)]) }
        #expect(throws: RaftStorageError.self) { try log.append([testEntry(11), testEntry(13)]) }
        #expect(log.lastIndex == 10)
        try log.compact(upTo: 4)
        #expect(throws: RaftStorageError.compacted(index: 3, firstIndex: 5)) { try log.entries(in: 3..<6) }
        #expect(throws: RaftStorageError.self) { try log.truncate(after: 2) }
        #expect(throws: RaftStorageError.self) { try log.compact(upTo: 11) }
        #expect(throws: RaftStorageError.locked(path: directory.path + "/LOCK")) {
            try SegmentedLog(directory: directory.path)
        }
    }

    @Test("segments roll over at the size limit and are named by their first index")
    func rollover() throws {
        let directory = StorageTestDirectory("log-rollover")
        defer { directory.cleanup() }
        let log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        try log.append(testEntries(1...400))
        try log.sync()
        let paths = log.segmentPaths
        #expect(paths.count > 5)
        #expect(paths.first?.hasSuffix("/00000000000000000001.seg") == true)
        for path in paths.dropLast() { #expect(try fileSize(path) <= 4096) }
        try log.close()
        let reopened = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        #expect(reopened.segmentPaths == paths)
        #expect(try reopened.entries(in: 1..<401) == testEntries(1...400))
    }

    @Test("truncating a conflicting suffix across segments, then appending, is durable")
    func truncateThenAppend() throws {
        let directory = StorageTestDirectory("log-truncate")
        defer { directory.cleanup() }
        let log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        try log.append(testEntries(1...300))
        try log.sync()
        let segmentsBefore = log.segmentPaths.count
        try log.truncate(after: 120)
        #expect(log.lastIndex == 120)
        #expect(log.segmentPaths.count < segmentsBefore)
        #expect(log.term(at: 121) == nil)
        let replacement = (121...200).map { testEntry($0, term: 99) }
        try log.append(replacement)
        try log.sync()
        #expect(try log.entries(in: 100..<201) == testEntries(100...120) + replacement)
        try log.close()

        let reopened = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        #expect(reopened.lastIndex == 200)
        #expect(try reopened.entries(in: 1..<201) == testEntries(1...120) + replacement)
        #expect(reopened.term(at: 150) == 99)
        // Truncating inside the cache and at a segment's first entry.
        try reopened.truncate(after: 199)
        #expect(try reopened.entries(in: 195..<200) == Array(replacement[74...78]))
        let boundary = try #require(reopened.segmentPaths.last)
        let firstOfLast = try #require(UInt64(URL(fileURLWithPath: boundary).lastPathComponent.prefix(20)))
        try reopened.truncate(after: firstOfLast - 1)
        #expect(reopened.lastIndex == firstOfLast - 1)
        #expect(!reopened.segmentPaths.contains(boundary))
        // Truncating everything leaves an empty log that continues at the same index.
        try reopened.truncate(after: 0)
        #expect(reopened.lastIndex == 0)
        try reopened.append(testEntries(1...3))
        try reopened.close()
        #expect(try SegmentedLog(directory: directory.path).entries(in: 1..<4) == testEntries(1...3))
    }

    @Test("compaction deletes whole segments below the index and keeps the rest readable")
    func compaction() throws {
        let directory = StorageTestDirectory("log-compact")
        defer { directory.cleanup() }
        let log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        try log.append(testEntries(1...400))
        try log.sync()
        let before = log.segmentPaths
        try log.compact(upTo: 250)
        let after = log.segmentPaths
        #expect(after.count < before.count)
        #expect(log.firstIndex == 251)
        #expect(log.term(at: 250) == nil && log.term(at: 251) == testEntry(251).term)
        for path in before where !after.contains(path) { #expect(!FileManager.default.fileExists(atPath: path)) }
        #expect(try log.entries(in: 251..<401) == testEntries(251...400))
        // Compacting everything keeps the tail segment, so the next index survives a reopen.
        try log.compact(upTo: 400)
        #expect(log.firstIndex == 401 && log.lastIndex == 400)
        try log.close()
        let reopened = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        #expect(reopened.lastIndex == 400)
        #expect(reopened.firstIndex <= 401)
        try reopened.compact(upTo: 400)
        try reopened.append(testEntries(401...402))
        #expect(try reopened.entries(in: 401..<403) == testEntries(401...402))
    }

    @Test("reset discards the log, which continues after the snapshot's index")
    func reset() throws {
        let directory = StorageTestDirectory("log-reset")
        defer { directory.cleanup() }
        let log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        try log.append(testEntries(1...100))
        try log.reset(to: 5000)
        #expect(log.firstIndex == 5001 && log.lastIndex == 5000)
        try log.append(testEntries(5001...5010))
        try log.close()
        let reopened = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        #expect(reopened.firstIndex == 5001 && reopened.lastIndex == 5010)
        #expect(try reopened.entries(in: 5001..<5011) == testEntries(5001...5010))
    }

    /// Writes entries 1...`count` in small segments, closes the log, and returns the last segment's path.
    static func writeClosedLog(_ directory: String, count: UInt64) throws -> [String] {
        let log = try SegmentedLog(directory: directory, options: smallSegments)
        try log.append(testEntries(1...count))
        try log.close()
        return log.segmentPaths
    }

    @Test("a torn tail (partial record, zeros, or a damaged final record) is cut off on open")
    func tornTail() throws {
        let directory = StorageTestDirectory("log-torn")
        defer { directory.cleanup() }
        let paths = try Self.writeClosedLog(directory.path, count: 200)
        let last = try #require(paths.last)
        let size = try fileSize(last)
        let firstOfLast = try #require(UInt64(URL(fileURLWithPath: last).lastPathComponent.prefix(20)))

        // 1. A partial final record.
        var bytes = try readFileBytes(last)
        try writeFileBytes(last, Array(bytes[0..<(size - 5)]))
        var log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        #expect(log.lastIndex == 199)
        #expect(try log.entries(in: firstOfLast..<200) == testEntries(firstOfLast...199))
        try log.append([testEntry(200)])
        try log.close()

        // 2. Zeros after the last record (a size extended before its data reached the disk).
        bytes = try readFileBytes(last)
        try writeFileBytes(last, bytes + [UInt8](repeating: 0, count: 3000))
        log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        #expect(log.lastIndex == 200)
        #expect(try fileSize(last) == bytes.count)
        try log.close()

        // 3. A final record whose checksum fails.
        try flipBit(in: last, at: bytes.count - 2)
        log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        #expect(log.lastIndex == 199)
        #expect(try log.entries(in: 1..<200) == testEntries(1...199))
        try log.close()

        // 4. A segment torn while being created: a partial header, nothing else.
        let newSegment = directory.path + "/00000000000000000200.seg"
        try writeFileBytes(newSegment, Array("RAFTSE".utf8))
        log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        #expect(log.lastIndex == 199)
        try log.append([testEntry(200)])
        try log.close()
        log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        #expect(try log.entries(in: 195..<201) == testEntries(195...200))
    }

    @Test("damage in the middle of the log is an error naming the file and the record's offset")
    func corruptMiddle() throws {
        let directory = StorageTestDirectory("log-corrupt")
        defer { directory.cleanup() }
        let paths = try Self.writeClosedLog(directory.path, count: 200)
        let first = paths[0]
        // The third record of the first segment: header 24 bytes, then records of 25 + data bytes.
        let offset = 24 + (25 + 2) + (25 + 3)
        try flipBit(in: first, at: offset + 12)
        #expect(
            throws: RaftStorageError.corruption(file: first, offset: Int64(offset), reason: "record checksum mismatch")
        ) {
            try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        }
        try flipBit(in: first, at: offset + 12)  // repaired

        // In the last segment, a damaged record followed by valid ones is not a torn tail either.
        let last = try #require(paths.last)
        try flipBit(in: last, at: 24 + 8 + 3)
        do {
            _ = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
            Issue.record("a damaged record followed by valid ones must not open")
        } catch let error as RaftStorageError {
            guard case .corruption(let file, let at, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(file == last && at == 24)
            #expect("\(error)".contains(last))
        }
    }

    @Test("a read that finds a damaged record throws corruption instead of returning bad data")
    func corruptRead() throws {
        let directory = StorageTestDirectory("log-corrupt-read")
        defer { directory.cleanup() }
        let log = try SegmentedLog(directory: directory.path, options: Self.smallSegments)
        try log.append(testEntries(1...200))
        try log.sync()
        try flipBit(in: log.segmentPaths[0], at: 24 + 8 + 10)
        #expect(throws: RaftStorageError.self) { try log.entries(in: 1..<3) }
    }
}
