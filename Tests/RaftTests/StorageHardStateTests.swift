import Foundation
import Raft
import Testing

/// The two-slot hard state file: round trips and recovery from a torn slot.
@Suite("Raft storage: hard state")
struct StorageHardStateTests {
    @Test("saved states survive reopening; a new file holds the initial state")
    func roundTrip() throws {
        let directory = StorageTestDirectory("hardstate")
        defer { directory.cleanup() }
        let path = directory.path + "/hardstate"
        let file = try HardStateFile(path: path)
        #expect(file.current == HardState())
        for term in UInt64(1)...5 { try file.save(HardState(term: term, vote: term % 3, commit: term * 10)) }
        try file.close()
        #expect(try fileSize(path) == 1024)
        let reopened = try HardStateFile(path: path)
        #expect(reopened.current == HardState(term: 5, vote: 2, commit: 50))
        try reopened.save(HardState(term: 6, vote: 1, commit: 60))
        #expect(try HardStateFile(path: path).current == HardState(term: 6, vote: 1, commit: 60))
    }

    @Test("a torn write of the newest slot falls back to the previous state")
    func tornSlot() throws {
        let directory = StorageTestDirectory("hardstate-torn")
        defer { directory.cleanup() }
        let path = directory.path + "/hardstate"
        let file = try HardStateFile(path: path)
        try file.save(HardState(term: 1, vote: 1, commit: 0))  // slot 0
        try file.save(HardState(term: 2, vote: 3, commit: 7))  // slot 1
        try file.close()
        // Damage slot 1 as a torn write would: its second half never reached the disk.
        var bytes = try readFileBytes(path)
        for i in (512 + 20)..<(512 + 44) { bytes[i] = 0 }
        try writeFileBytes(path, bytes)
        let reopened = try HardStateFile(path: path)
        #expect(reopened.current == HardState(term: 1, vote: 1, commit: 0))
        // The next save goes to the damaged slot, keeping the valid one.
        try reopened.save(HardState(term: 3, vote: 0, commit: 9))
        #expect(try HardStateFile(path: path).current == HardState(term: 3, vote: 0, commit: 9))
    }

    @Test("a torn very first save is a fresh state; two damaged slots are an error")
    func firstSaveAndDoubleDamage() throws {
        let directory = StorageTestDirectory("hardstate-first")
        defer { directory.cleanup() }
        let path = directory.path + "/hardstate"
        let file = try HardStateFile(path: path)
        try file.save(HardState(term: 4, vote: 2, commit: 1))
        try file.close()
        try flipBit(in: path, at: 20)
        #expect(try HardStateFile(path: path).current == HardState())

        let second = try HardStateFile(path: path)
        try second.save(HardState(term: 5, vote: 0, commit: 0))
        try second.save(HardState(term: 6, vote: 0, commit: 0))
        try second.close()
        try flipBit(in: path, at: 20)
        try flipBit(in: path, at: 512 + 20)
        #expect(throws: RaftStorageError.self) { try HardStateFile(path: path) }
    }
}
