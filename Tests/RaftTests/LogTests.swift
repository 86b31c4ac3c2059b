import Testing

@testable import Raft

/// The log's pieces: memory storage, the unstable tail, conflict search, the inflight window and the
/// progress state machine.
@Suite struct LogTests {
    func entries(_ range: ClosedRange<UInt64>, term: UInt64) -> [Entry] {
        range.map { Entry(term: term, index: $0, data: [UInt8(truncatingIfNeeded: $0)]) }
    }

    @Test func memoryStorageAppendsTruncatesAndCompacts() throws {
        let storage = MemoryLogStorage()
        #expect(storage.firstIndex == 1 && storage.lastIndex == 0)
        #expect(try storage.term(at: 0) == 0)
        storage.append(entries(1...5, term: 1))
        storage.append(entries(4...6, term: 2))
        #expect(storage.lastIndex == 6)
        #expect(try storage.term(at: 3) == 1 && storage.term(at: 4) == 2)
        #expect(try storage.entries(in: 2..<7, maxBytes: 2).map(\.index) == [2, 3])
        #expect(try storage.entries(in: 2..<7, maxBytes: 0).map(\.index) == [2])
        #expect(throws: LogStorageError.unavailable(index: 7)) { try storage.term(at: 7) }
        storage.snapshotCreated(SnapshotMetadata(index: 4, term: 2, configuration: Configuration()))
        storage.compact(through: 3)
        #expect(storage.firstIndex == 4)
        #expect(try storage.term(at: 3) == 1)
        #expect(throws: LogStorageError.compacted(index: 2)) { try storage.term(at: 2) }
        #expect(throws: LogStorageError.compacted(index: 3)) { try storage.entries(in: 3..<5, maxBytes: .max) }
        // Appending entries that overlap the compaction point keeps only the new part.
        storage.append(entries(2...7, term: 2))
        #expect(storage.firstIndex == 4 && storage.lastIndex == 7)
        storage.installSnapshot(SnapshotMetadata(index: 10, term: 3, configuration: Configuration()))
        #expect(storage.firstIndex == 11 && storage.lastIndex == 10)
        #expect(try storage.term(at: 10) == 3)
    }

    @Test func unstableTailHandlesAppendsAndConflicts() {
        var unstable = UnstableLog(after: 5)
        unstable.truncateAndAppend(entries(6...8, term: 1))
        #expect(unstable.nextEntries.map(\.index) == [6, 7, 8])
        unstable.acceptInProgress()
        #expect(unstable.nextEntries.isEmpty)
        // A conflict inside the handed-out part: the next Ready starts at the conflict.
        unstable.truncateAndAppend(entries(7...9, term: 2))
        #expect(unstable.nextEntries.map(\.index) == [7, 8, 9])
        // The old Ready's acknowledgement no longer matches the entry at 8: nothing becomes stable.
        unstable.stableTo(index: 8, term: 1)
        #expect(unstable.offset == 6)
        unstable.acceptInProgress()
        unstable.stableTo(index: 9, term: 2)
        #expect(unstable.entries.isEmpty && unstable.offset == 10)
        // A conflict below the unstable part replaces durable entries too.
        unstable.truncateAndAppend(entries(3...4, term: 3))
        #expect(unstable.offset == 3 && unstable.nextEntries.map(\.index) == [3, 4])
    }

    @Test func conflictSearchByTermSkipsWholeTerms() throws {
        let storage = MemoryLogStorage()
        storage.append(entries(1...3, term: 1) + entries(4...6, term: 3) + entries(7...9, term: 5))
        let log = RaftLog(storage: storage)
        #expect(try log.findConflictByTerm(index: 9, term: 4) == (6, 3))
        #expect(try log.findConflictByTerm(index: 9, term: 2) == (3, 1))
        #expect(try log.findConflictByTerm(index: 9, term: 5) == (9, 5))
        #expect(try log.findConflictByTerm(index: 9, term: 0) == (0, 0))
    }

    @Test func appendReportsWhereNewEntriesStart() throws {
        let storage = MemoryLogStorage()
        storage.append(entries(1...5, term: 1))
        var log = RaftLog(storage: storage)
        log.committed = 2
        // Entries it already holds: nothing appended.
        guard
            case .accepted(5, nil) = try log.maybeAppend(
                prevIndex: 1, prevTerm: 1, commit: 9, entries: entries(2...5, term: 1))
        else { Issue.record("expected accepted"); return }
        #expect(log.committed == 5)
        log.committed = 3
        guard
            case .accepted(6, 4?) = try log.maybeAppend(
                prevIndex: 3, prevTerm: 1, commit: 3, entries: entries(4...6, term: 2))
        else { Issue.record("expected a conflict at 4"); return }
        guard case .mismatch = try log.maybeAppend(prevIndex: 6, prevTerm: 1, commit: 3, entries: []) else {
            Issue.record("expected a mismatch"); return
        }
        guard
            case .conflictsWithCommitted = try log.maybeAppend(
                prevIndex: 1, prevTerm: 1, commit: 3, entries: entries(2...3, term: 9))
        else { Issue.record("a committed entry must never be replaced"); return }
        #expect(try log.term(at: 3) == 1)
    }

    @Test func inflightWindowFillsAndFrees() {
        var window = Inflights(capacity: 3, maxBytes: 0)
        for index: UInt64 in [10, 20, 30] { window.add(index: index, bytes: 5) }
        #expect(window.isFull)
        window.free(through: 15)
        #expect(!window.isFull && window.count == 2 && window.bytes == 10)
        // Wraps around the ring.
        window.add(index: 40, bytes: 5)
        window.free(through: 35)
        #expect(window.count == 1)
        window.add(index: 50, bytes: 5)
        window.add(index: 60, bytes: 5)
        window.free(through: 60)
        #expect(window.count == 0 && window.bytes == 0)
        var bounded = Inflights(capacity: 100, maxBytes: 10)
        bounded.add(index: 1, bytes: 6)
        #expect(!bounded.isFull)
        bounded.add(index: 2, bytes: 6)
        #expect(bounded.isFull)
    }

    @Test func progressIgnoresStaleRejections() {
        let progress = Progress(next: 11, maxInflight: 4, maxInflightBytes: 0)
        // Probe: only a rejection of the last probe (prev 10) counts.
        let stale = progress.maybeDecrease(rejected: 7, hint: 3)
        #expect(!stale)
        let fresh = progress.maybeDecrease(rejected: 10, hint: 4)
        #expect(fresh)
        #expect(progress.next == 5)
        let updated = progress.maybeUpdate(6)
        #expect(updated)
        progress.becomeReplicate()
        progress.sent(count: 3, lastIndex: 9, bytes: 3)
        #expect(progress.next == 10)
        // Replicate: a rejection at or below the match answers something older.
        let older = progress.maybeDecrease(rejected: 6, hint: 0)
        #expect(!older)
        let newer = progress.maybeDecrease(rejected: 9, hint: 7)
        #expect(newer)
        #expect(progress.next == 8)
        progress.becomeSnapshot(index: 20)
        #expect(progress.isPaused)
        progress.becomeProbe()
        #expect(progress.next == 21)
    }
}
