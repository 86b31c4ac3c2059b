/// A ``LogStorage`` that keeps the log in memory: for tests, simulations, and programs whose durability
/// lies elsewhere.
///
/// The driver appends what each ``Ready`` carries (``append(_:)``, ``installSnapshot(_:)``) before
/// calling ``RaftCore/advance()``, records the snapshots the application takes
/// (``snapshotCreated(_:)``) and drops the entries they cover (``compact(through:)``).
public final class MemoryLogStorage: LogStorage {
    /// The compaction point: the index and term of the entry just before `entries`.
    private var base: (index: UInt64, term: UInt64)
    /// The entries after the compaction point, in order.
    private var entries: [Entry]
    /// The latest snapshot's metadata.
    public private(set) var snapshotMetadata: SnapshotMetadata?

    /// Creates an empty storage, or one that starts at `snapshot` (its log compacted up to it).
    public init(snapshot: SnapshotMetadata? = nil) {
        base = (snapshot?.index ?? 0, snapshot?.term ?? 0)
        entries = []
        snapshotMetadata = snapshot
    }

    /// The index of the first entry held.
    public var firstIndex: UInt64 { base.index + 1 }

    /// The index of the last entry held.
    public var lastIndex: UInt64 { base.index + UInt64(entries.count) }

    /// The term of the entry at `index`.
    public func term(at index: UInt64) throws -> UInt64 {
        if index == base.index { return base.term }
        if index < base.index { throw LogStorageError.compacted(index: index) }
        if index > lastIndex { throw LogStorageError.unavailable(index: index) }
        return entries[Int(index - base.index - 1)].term
    }

    /// The entries in `range`, limited to `maxBytes` of data (at least one entry).
    public func entries(in range: Range<UInt64>, maxBytes: Int) throws -> [Entry] {
        if range.lowerBound <= base.index { throw LogStorageError.compacted(index: range.lowerBound) }
        if range.upperBound > lastIndex + 1 { throw LogStorageError.unavailable(index: range.upperBound - 1) }
        let lower = Int(range.lowerBound - base.index - 1)
        let upper = Int(range.upperBound - base.index - 1)
        var end = lower
        var bytes = 0
        while end < upper {
            bytes += entries[end].data.count
            if bytes > maxBytes && end > lower { break }
            end += 1
        }
        return Array(entries[lower..<end])
    }

    /// Appends `newEntries`, first discarding every held entry at or after `newEntries[0].index`
    /// (what a ``Ready`` asks). Entries at or below the compaction point are skipped.
    ///
    /// - Precondition: `newEntries` are consecutive and start at most at `lastIndex + 1`.
    public func append(_ newEntries: [Entry]) {
        guard let first = newEntries.first else { return }
        precondition(first.index <= lastIndex + 1, "append leaves a gap after index \(lastIndex)")
        var toAppend = newEntries[...]
        if first.index <= base.index {
            toAppend = toAppend.dropFirst(Int(base.index - first.index + 1))
        }
        guard let start = toAppend.first?.index else { return }
        entries.removeSubrange(Int(start - base.index - 1)...)
        entries.append(contentsOf: toAppend)
    }

    /// Replaces the whole log by a snapshot received from the leader: every entry is discarded and
    /// the compaction point moves to the snapshot.
    public func installSnapshot(_ metadata: SnapshotMetadata) {
        base = (metadata.index, metadata.term)
        entries = []
        snapshotMetadata = metadata
    }

    /// Records a snapshot the application wrote of its state at `metadata.index` (at most
    /// `lastIndex`). Entries stay until ``compact(through:)``.
    public func snapshotCreated(_ metadata: SnapshotMetadata) {
        precondition(metadata.index <= lastIndex, "snapshot at \(metadata.index) is past the log's end \(lastIndex)")
        if let current = snapshotMetadata, current.index >= metadata.index { return }
        snapshotMetadata = metadata
    }

    /// Discards the entries up to `index`, which a snapshot must cover.
    ///
    /// - Precondition: `index` is at most the latest snapshot's index.
    public func compact(through index: UInt64) {
        guard index > base.index else { return }
        precondition(index <= (snapshotMetadata?.index ?? 0), "compaction past the latest snapshot")
        let count = Int(index - base.index)
        base = (index, entries[count - 1].term)
        entries.removeFirst(count)
    }
}
