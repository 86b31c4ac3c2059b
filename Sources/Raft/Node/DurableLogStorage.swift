/// The core's view (``LogStorage``) of the durable log: the ``SegmentedLog`` behind the latest
/// snapshot.
///
/// The log may keep entries below the latest snapshot on disk (it is compacted only up to the
/// older retained snapshot, so that a damaged newest snapshot can fall back to the older one and the
/// log); the core sees them as compacted, because it must know the term just before `firstIndex`,
/// and that is the snapshot's.
final class DurableLogStorage: LogStorage {
    let log: SegmentedLog
    /// The latest snapshot's metadata.
    var snapshotMetadata: SnapshotMetadata?

    init(log: SegmentedLog, snapshot: SnapshotMetadata?) {
        self.log = log
        self.snapshotMetadata = snapshot
    }

    var firstIndex: UInt64 { max(log.firstIndex, (snapshotMetadata?.index ?? 0) + 1) }

    var lastIndex: UInt64 { max(log.lastIndex, snapshotMetadata?.index ?? 0) }

    func term(at index: UInt64) throws -> UInt64 {
        if let snapshot = snapshotMetadata, index == snapshot.index { return snapshot.term }
        if index == 0 { return 0 }
        guard index >= firstIndex else { throw LogStorageError.compacted(index: index) }
        guard index <= lastIndex, let term = log.term(at: index) else {
            throw LogStorageError.unavailable(index: index)
        }
        return term
    }

    func entries(in range: Range<UInt64>, maxBytes: Int) throws -> [Entry] {
        guard range.lowerBound >= firstIndex else { throw LogStorageError.compacted(index: range.lowerBound) }
        guard range.upperBound <= lastIndex + 1 else { throw LogStorageError.unavailable(index: range.upperBound) }
        if range.isEmpty { return [] }
        return try log.entries(in: range, maxBytes: maxBytes)
    }
}
