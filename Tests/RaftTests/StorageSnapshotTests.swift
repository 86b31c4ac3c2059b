import Foundation
import Raft
import Testing

/// The snapshot store: streamed writes, chunked transfer to a receiver, retention, damage.
@Suite("Raft storage: snapshots")
struct StorageSnapshotTests {
    static let configuration = Configuration(members: [
        Member(id: 1, address: "127.0.0.1:7001"),
        Member(id: 2, address: "127.0.0.1:7002"),
        Member(id: 9, address: "[::1]:7009", role: .learner),
    ])

    /// Deterministic snapshot data of `count` bytes for `seed`.
    static func data(count: Int, seed: UInt64) -> [UInt8] {
        var random = StorageTestRandom(seed: seed)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    /// Writes a snapshot of `data` in chunks of varying sizes.
    @discardableResult
    static func writeSnapshot(_ store: SnapshotStore, index: UInt64, term: UInt64, data: [UInt8]) throws
        -> StoredSnapshot
    {
        let writer = try store.create(
            metadata: SnapshotMetadata(index: index, term: term, configuration: configuration))
        var offset = 0
        var chunk = 1
        while offset < data.count {
            let end = min(data.count, offset + chunk)
            try writer.write(Array(data[offset..<end]))
            offset = end
            chunk = chunk * 3 + 7
        }
        return try writer.commit()
    }

    /// Reads all of a snapshot's data in `chunk`-byte reads.
    static func readData(_ snapshot: StoredSnapshot, chunk: Int = 1000) throws -> [UInt8] {
        let reader = snapshot.dataReader()
        var result: [UInt8] = []
        while true {
            let part = try reader.read(maxLength: chunk)
            if part.isEmpty { break }
            result += part
        }
        return result
    }

    @Test("a snapshot written in chunks reads back with its metadata, and transfers chunk by chunk")
    func roundTripAndTransfer() throws {
        let directory = StorageTestDirectory("snapshot-roundtrip")
        defer { directory.cleanup() }
        let store = try SnapshotStore(directory: directory.path + "/leader")
        #expect(try store.latest() == nil)
        let data = Self.data(count: 3_000_000, seed: 1)
        try Self.writeSnapshot(store, index: 1234, term: 7, data: data)
        let latest = try #require(try store.latest())
        #expect(latest.metadata == SnapshotMetadata(index: 1234, term: 7, configuration: Self.configuration))
        #expect(latest.dataLength == Int64(data.count))
        #expect(try Self.readData(latest, chunk: 65536) == data)

        // Send it to a follower in 64 KiB chunks, one of them twice (a retransmission).
        let follower = try SnapshotStore(directory: directory.path + "/follower")
        let receiver = try follower.receive()
        var offset: Int64 = 0
        while true {
            let chunk = try latest.readChunk(at: offset, maxLength: 65536)
            if chunk.isEmpty { break }
            try receiver.write(chunk, at: offset)
            if offset == 65536 { try receiver.write(chunk, at: offset) }
            offset += Int64(chunk.count)
        }
        #expect(receiver.receivedBytes == latest.fileSize)
        #expect(throws: RaftStorageError.self) { try receiver.write([1], at: latest.fileSize + 10) }
        let installed = try receiver.finish()
        #expect(installed.metadata == latest.metadata)
        let reread = try #require(try follower.latest())
        #expect(try Self.readData(reread) == data)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/follower").count == 1)
    }

    @Test("an empty snapshot round-trips")
    func empty() throws {
        let directory = StorageTestDirectory("snapshot-empty")
        defer { directory.cleanup() }
        let store = try SnapshotStore(directory: directory.path)
        let metadata = SnapshotMetadata(index: 3, term: 2, configuration: Configuration())
        _ = try store.create(metadata: metadata).commit()
        let latest = try #require(try store.latest())
        #expect(latest.metadata == metadata && latest.dataLength == 0)
        #expect(try Self.readData(latest).isEmpty)
    }

    @Test("only the two newest snapshots are kept")
    func retention() throws {
        let directory = StorageTestDirectory("snapshot-retention")
        defer { directory.cleanup() }
        let store = try SnapshotStore(directory: directory.path)
        for index in UInt64(1)...4 {
            try Self.writeSnapshot(store, index: index * 100, term: index, data: [UInt8(index)])
        }
        let names = try store.snapshotPaths().map { URL(fileURLWithPath: $0).lastPathComponent }
        #expect(
            names == [
                "00000000000000000400-00000000000000000004.snap", "00000000000000000300-00000000000000000003.snap",
            ])
        #expect(try store.latest()?.metadata.index == 400)
        // An abandoned writer leaves no temporary file.
        do { _ = try store.create(metadata: SnapshotMetadata(index: 500, term: 5, configuration: Configuration())) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 2)
    }

    @Test("a damaged newest snapshot is skipped for the older one; none valid is a clear error")
    func corruptFallback() throws {
        let directory = StorageTestDirectory("snapshot-corrupt")
        defer { directory.cleanup() }
        let older = Self.data(count: 5000, seed: 2)
        do {
            let store = try SnapshotStore(directory: directory.path)
            try Self.writeSnapshot(store, index: 10, term: 1, data: older)
            try Self.writeSnapshot(store, index: 20, term: 2, data: Self.data(count: 5000, seed: 3))
        }
        let paths = try SnapshotStore(directory: directory.path).snapshotPaths()
        try flipBit(in: paths[0], at: 2500)  // inside the newest one's data
        let store = try SnapshotStore(directory: directory.path)
        let latest = try #require(try store.latest())
        #expect(latest.metadata.index == 10)
        #expect(try Self.readData(latest) == older)

        try flipBit(in: paths[1], at: 10)  // the older one's header
        do {
            _ = try SnapshotStore(directory: directory.path).latest()
            Issue.record("no valid snapshot must be an error")
        } catch RaftStorageError.noValidSnapshot(let dir, let problems) {
            #expect(dir == directory.path)
            #expect(problems.count == 2)
            #expect(problems[0].contains(paths[0]) && problems[1].contains(paths[1]))
        }
    }

    @Test("a damaged or incomplete transfer is refused and installs nothing")
    func badTransfer() throws {
        let directory = StorageTestDirectory("snapshot-transfer")
        defer { directory.cleanup() }
        let leader = try SnapshotStore(directory: directory.path + "/leader")
        let snapshot = try Self.writeSnapshot(leader, index: 5, term: 1, data: Self.data(count: 10000, seed: 4))
        let follower = try SnapshotStore(directory: directory.path + "/follower")

        var whole = try snapshot.readChunk(at: 0, maxLength: Int(snapshot.fileSize))
        let incomplete = try follower.receive()
        try incomplete.write(Array(whole[0..<5000]), at: 0)
        #expect(throws: RaftStorageError.self) { try incomplete.finish() }

        whole[7000] ^= 1
        let damaged = try follower.receive()
        try damaged.write(whole, at: 0)
        #expect(throws: RaftStorageError.self) { try damaged.finish() }
        #expect(try follower.latest() == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/follower").isEmpty)
    }
}
