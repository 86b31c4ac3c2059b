/// The tail of the log that is not yet durable: entries (and possibly an incoming snapshot) the core
/// has accepted but the driver has not yet confirmed persisted through ``RaftCore/advance()``.
///
/// `entries[i]` has index `offset + i`. Entries below `offsetInProgress` have been handed to the
/// driver in the outstanding ``Ready``; a conflicting append may still replace them, in which case
/// the next ``Ready`` rewrites the log from the conflict on.
struct UnstableLog {
    /// A snapshot received from the leader and not yet persisted.
    var snapshot: SnapshotMetadata?
    /// Whether `snapshot` was handed out in the outstanding Ready.
    var snapshotInProgress = false
    /// The entries not yet persisted.
    var entries: [Entry] = []
    /// The index of `entries[0]` (or of the next entry when there are none).
    var offset: UInt64
    /// The first index not yet handed out in a Ready.
    var offsetInProgress: UInt64

    /// An unstable log that starts after `lastStableIndex`.
    init(after lastStableIndex: UInt64) {
        offset = lastStableIndex + 1
        offsetInProgress = offset
    }

    /// The first index of the log if a pending snapshot defines it.
    var firstIndexFromSnapshot: UInt64? { snapshot.map { $0.index + 1 } }

    /// The last index of the log if the unstable part defines it.
    var lastIndex: UInt64? {
        if let last = entries.last { return last.index }
        return snapshot?.index
    }

    /// The term at `index` if the unstable part knows it.
    func term(at index: UInt64) -> UInt64? {
        if index < offset {
            if let snapshot, snapshot.index == index { return snapshot.term }
            return nil
        }
        guard let last = lastIndex, index <= last else { return nil }
        return entries[Int(index - offset)].term
    }

    /// Appends `newEntries`, replacing any unstable entries at or after their first index.
    mutating func truncateAndAppend(_ newEntries: [Entry]) {
        guard let first = newEntries.first?.index else { return }
        let end = offset + UInt64(entries.count)
        if first == end {
            entries.append(contentsOf: newEntries)
        } else if first <= offset {
            // Replaces everything unstable and some durable entries too: the next Ready starts here.
            offset = first
            entries = newEntries
            offsetInProgress = first
        } else {
            entries.removeSubrange(Int(first - offset)...)
            entries.append(contentsOf: newEntries)
            offsetInProgress = min(offsetInProgress, first)
        }
    }

    /// Replaces everything by a snapshot received from the leader.
    mutating func restore(_ metadata: SnapshotMetadata) {
        offset = metadata.index + 1
        offsetInProgress = offset
        entries = []
        snapshot = metadata
        snapshotInProgress = false
    }

    /// The entries not yet handed out.
    var nextEntries: ArraySlice<Entry> {
        let start = Int(offsetInProgress - offset)
        return start < entries.count ? entries[start...] : []
    }

    /// The snapshot if not yet handed out.
    var nextSnapshot: SnapshotMetadata? { snapshotInProgress ? nil : snapshot }

    /// Marks everything unstable as handed out.
    mutating func acceptInProgress() {
        if let last = entries.last { offsetInProgress = last.index + 1 }
        if snapshot != nil { snapshotInProgress = true }
    }

    /// Marks entries up to `index` durable, provided the entry there still has `term` (a conflicting
    /// append may have replaced it since the Ready was handed out, in which case nothing changes:
    /// the replacement will be confirmed by a later Ready).
    mutating func stableTo(index: UInt64, term: UInt64) {
        guard index >= offset, self.term(at: index) == term else { return }
        let count = Int(index - offset + 1)
        guard count <= entries.count else { return }
        entries.removeFirst(count)
        offset = index + 1
        offsetInProgress = max(offsetInProgress, offset)
    }

    /// Marks the pending snapshot at `index` durable.
    mutating func stableSnapshotTo(index: UInt64) {
        if let snapshot, snapshot.index == index {
            self.snapshot = nil
            snapshotInProgress = false
        }
    }
}
