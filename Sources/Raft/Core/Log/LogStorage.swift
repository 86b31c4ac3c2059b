/// The durable part of a server's log, as the core reads it.
///
/// The core never writes to storage: the driver persists what a ``Ready`` hands it (entries,
/// snapshot) into the storage and only then calls ``RaftCore/advance()``; from then on the core reads
/// those entries back through this protocol. The storage therefore always holds a contiguous run of
/// entries `firstIndex...lastIndex`, preceded by a compaction point `firstIndex - 1` whose term it
/// still knows (the last snapshot's index, or 0 for a log that was never compacted).
///
/// ``MemoryLogStorage`` keeps everything in memory; a durable implementation keeps the same view of
/// its files. Implementations are used from the driver's isolation domain only, never concurrently.
public protocol LogStorage: AnyObject {
    /// The index of the first entry the storage holds: one past the compaction point.
    var firstIndex: UInt64 { get }
    /// The index of the last entry the storage holds (`firstIndex - 1` when it holds none).
    var lastIndex: UInt64 { get }
    /// The metadata of the latest snapshot, if any. Its index is at least the compaction point.
    var snapshotMetadata: SnapshotMetadata? { get }
    /// The term of the entry at `index`, for `firstIndex - 1 ... lastIndex`.
    ///
    /// - Throws: ``LogStorageError/compacted(index:)`` below `firstIndex - 1`,
    ///   ``LogStorageError/unavailable(index:)`` above `lastIndex`, or the storage's own error when
    ///   it cannot read its files.
    func term(at index: UInt64) throws -> UInt64
    /// The entries in `range` (within `firstIndex ... lastIndex + 1`), stopping before the total
    /// `data` size would exceed `maxBytes`, but always returning at least the first entry.
    ///
    /// - Throws: ``LogStorageError/compacted(index:)`` if the range starts below `firstIndex`,
    ///   ``LogStorageError/unavailable(index:)`` if it ends after `lastIndex + 1`, or the storage's
    ///   own error.
    func entries(in range: Range<UInt64>, maxBytes: Int) throws -> [Entry]
    /// The entries of kind ``EntryKind/configurationChange`` in `firstIndex...lastIndex`, in order;
    /// read once when a core starts. The default implementation reads the whole log; a durable
    /// implementation may keep an index of them instead.
    func configurationEntries() throws -> [Entry]
}

extension LogStorage {
    /// Reads the whole log in batches and keeps the configuration entries.
    public func configurationEntries() throws -> [Entry] {
        var result: [Entry] = []
        var next = firstIndex
        let end = lastIndex + 1
        while next < end {
            let batch = try entries(in: next..<end, maxBytes: 8 << 20)
            guard let last = batch.last else { break }
            result.append(contentsOf: batch.lazy.filter { $0.kind == .configurationChange })
            next = last.index + 1
        }
        return result
    }
}
