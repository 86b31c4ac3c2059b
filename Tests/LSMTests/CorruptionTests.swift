import Foundation
import LSM
import Testing

/// Damaged files give `LSMError.corruption` naming the file and offset, or are recovered when the
/// damage is a torn tail; they never crash the process or return wrong data.
@Suite("Corruption of WAL, tables and manifest")
struct CorruptionTests {
    /// Writes `count` puts of `k0000`… with 50-byte values, each one WAL record of
    /// 7 (header) + 12 (batch header) + 1 + 1 + 5 + 1 + 50 = 77 bytes, and closes the store without
    /// flushing, so the data lives only in the WAL.
    static let recordSize = 77

    static func writeLog(_ path: String, count: Int) throws {
        let db = try LSMStore(directory: path)
        for i in 0..<count { try db.put(key(i), value(i)) }
        try db.close()
    }

    /// Writes `count` keys and compacts them into tables, so the data lives in tables, not the WAL.
    static func writeTables(_ path: String, count: Int) throws {
        let db = try LSMStore(directory: path)
        for i in 0..<count { try db.put(key(i), value(i)) }
        try db.compactRange()
        try db.close()
    }

    static func key(_ i: Int) -> [UInt8] { bytes(String(format: "k%04d", i)) }
    static func value(_ i: Int) -> [UInt8] { [UInt8](repeating: UInt8(i % 251), count: 50) }

    static func files(_ path: String, suffix: String) -> [String] {
        directoryListing(path).map(\.name).filter { $0.hasSuffix(suffix) || $0.hasPrefix(suffix) }
            .map { path + "/" + $0 }
    }

    @Test("a flipped byte in the middle of the WAL is reported with file and offset")
    func walCorruptMiddle() throws {
        let directory = TemporaryDirectory("lsm-walmid")
        defer { directory.cleanup() }
        try Self.writeLog(directory.path, count: 100)
        let logs = Self.files(directory.path, suffix: ".log")
        let log = try #require(logs.max { (try? FileSystemSize.of($0)) ?? 0 < (try? FileSystemSize.of($1)) ?? 0 })
        try flipByte(in: log, at: Self.recordSize * 50 + 20)
        do {
            _ = try LSMStore(directory: directory.path)
            Issue.record("expected a corruption error")
        } catch let LSMError.corruption(file, offset, _) {
            #expect(file == log)
            #expect(offset == Int64(Self.recordSize * 50))
        }
    }

    @Test("a torn WAL tail is dropped and every complete record is recovered")
    func walTornTail() throws {
        let directory = TemporaryDirectory("lsm-waltail")
        defer { directory.cleanup() }
        try Self.writeLog(directory.path, count: 100)
        let log = try #require(
            Self.files(directory.path, suffix: ".log").max {
                (try? FileSystemSize.of($0)) ?? 0 < (try? FileSystemSize.of($1)) ?? 0
            })
        try truncateFile(log, to: Self.recordSize * 99 + 30)
        let db = try LSMStore(directory: directory.path)
        for i in 0..<99 { #expect(try db.get(Self.key(i)) == Self.value(i)) }
        #expect(try db.get(Self.key(99)) == nil)
        try db.close()
    }

    @Test("a flipped byte in a table block gives a corruption error naming the table")
    func tableCorruption() throws {
        let directory = TemporaryDirectory("lsm-table")
        defer { directory.cleanup() }
        try Self.writeTables(directory.path, count: 2000)
        let table = try #require(Self.files(directory.path, suffix: ".ldb").first)
        try flipByte(in: table, at: 100)
        let db = try LSMStore(directory: directory.path)
        var sawCorruption = false
        for i in 0..<2000 {
            do {
                let value = try db.get(Self.key(i))
                // A read that does succeed must return the right bytes.
                #expect(value == Self.value(i))
            } catch let LSMError.corruption(file, offset, _) {
                #expect(file == table)
                #expect(offset == 0, "the first block starts at offset 0")
                sawCorruption = true
            }
        }
        #expect(sawCorruption)
        #expect(throws: LSMError.self) { try db.scan() }
        try db.close()
    }

    @Test("a truncated table gives a corruption error, not a crash")
    func truncatedTable() throws {
        let directory = TemporaryDirectory("lsm-table-trunc")
        defer { directory.cleanup() }
        try Self.writeTables(directory.path, count: 2000)
        let table = try #require(Self.files(directory.path, suffix: ".ldb").first)
        try truncateFile(table, to: 1000)
        let db = try LSMStore(directory: directory.path)
        do {
            _ = try db.get(Self.key(5))
            Issue.record("expected a corruption error")
        } catch let LSMError.corruption(file, _, _) {
            #expect(file == table)
        }
        try db.close()
    }

    @Test("a damaged manifest or CURRENT gives a corruption error")
    func manifestCorruption() throws {
        let directory = TemporaryDirectory("lsm-manifest")
        defer { directory.cleanup() }
        try Self.writeTables(directory.path, count: 100)
        let manifest = try #require(Self.files(directory.path, suffix: "MANIFEST-").first)
        let original = try Data(contentsOf: URL(fileURLWithPath: manifest))

        try flipByte(in: manifest, at: 10)
        do {
            _ = try LSMStore(directory: directory.path)
            Issue.record("expected a corruption error")
        } catch let LSMError.corruption(file, _, _) {
            #expect(file == manifest)
        }

        try original.write(to: URL(fileURLWithPath: manifest))
        try "MANIFEST-999999\n".write(toFile: directory.path + "/CURRENT", atomically: true, encoding: .utf8)
        #expect(throws: LSMError.self) { try LSMStore(directory: directory.path) }

        try "".write(toFile: directory.path + "/CURRENT", atomically: true, encoding: .utf8)
        #expect(throws: LSMError.self) { try LSMStore(directory: directory.path) }

        // Restored, the store opens with its data.
        try (URL(fileURLWithPath: manifest).lastPathComponent + "\n").write(
            toFile: directory.path + "/CURRENT", atomically: true, encoding: .utf8)
        let db = try LSMStore(directory: directory.path)
        #expect(try db.get(Self.key(7)) == Self.value(7))
        try db.close()
    }
}

enum FileSystemSize {
    static func of(_ path: String) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }
}
