/// The whole log as the core sees it: the durable part in a ``LogStorage`` followed by the unstable
/// part in memory, plus the commit and apply positions.
///
/// Reads go to the unstable part first, then to storage. A storage error other than
/// ``LogStorageError`` is rethrown: the core cannot continue without its log.
struct RaftLog {
    /// The durable entries.
    let storage: any LogStorage
    /// The entries (and snapshot) not yet durable.
    var unstable: UnstableLog
    /// The highest index known to be committed.
    var committed: UInt64
    /// The highest index handed to the application (in a Ready whose `advance()` was called).
    var applied: UInt64

    /// The highest index a log may reach. Messages that name a later index are ignored as malformed,
    /// so that no index arithmetic can overflow (2^63 entries will not be written).
    static let maxIndex: UInt64 = UInt64.max >> 1

    /// A log over `storage`, with nothing unstable.
    init(storage: any LogStorage) {
        self.storage = storage
        unstable = UnstableLog(after: storage.lastIndex)
        committed = storage.firstIndex - 1
        applied = storage.firstIndex - 1
    }

    /// The first index of the log (one past the compaction point).
    var firstIndex: UInt64 { unstable.firstIndexFromSnapshot ?? storage.firstIndex }

    /// The last index of the log.
    var lastIndex: UInt64 { unstable.lastIndex ?? storage.lastIndex }

    /// The term of the entry at `index`, for `firstIndex - 1 ... lastIndex`.
    func term(at index: UInt64) throws -> UInt64 {
        if let term = unstable.term(at: index) { return term }
        if index < firstIndex - 1 { throw LogStorageError.compacted(index: index) }
        if index > lastIndex { throw LogStorageError.unavailable(index: index) }
        return try storage.term(at: index)
    }

    /// The term at `index`, or `nil` if the log no longer or not yet holds it.
    func termIfPresent(at index: UInt64) throws -> UInt64? {
        do {
            return try term(at: index)
        } catch is LogStorageError {
            return nil
        }
    }

    /// The term of the last entry.
    func lastTerm() throws -> UInt64 { try term(at: lastIndex) }

    /// Whether the log holds an entry at `index` with `term`.
    func matchTerm(_ index: UInt64, _ term: UInt64) throws -> Bool {
        try termIfPresent(at: index) == term
    }

    /// Whether a log ending at (`index`, `term`) is at least as up to date as this one (§5.4.1).
    func isUpToDate(lastIndex index: UInt64, lastTerm term: UInt64) throws -> Bool {
        let ourTerm = try lastTerm()
        return term > ourTerm || (term == ourTerm && index >= lastIndex)
    }

    /// The outcome of offering a leader's entries to this log.
    enum AppendOutcome {
        /// The entries were accepted; the log now matches the leader's up to `lastNewIndex`. Entries
        /// from `appendedFrom` on were new (any former suffix from there was replaced); `nil` when
        /// the log held them all already.
        case accepted(lastNewIndex: UInt64, appendedFrom: UInt64?)
        /// The log does not hold the entry the append follows.
        case mismatch
        /// The entries would replace committed entries: the message cannot come from a legitimate
        /// leader and is ignored.
        case conflictsWithCommitted
    }

    /// Appends `entries` after (`prevIndex`, `prevTerm`) if the log holds that entry, replacing a
    /// conflicting suffix, and advances the commit index to `min(commit, lastNewIndex)`.
    mutating func maybeAppend(prevIndex: UInt64, prevTerm: UInt64, commit: UInt64, entries: [Entry]) throws
        -> AppendOutcome
    {
        guard try matchTerm(prevIndex, prevTerm) else { return .mismatch }
        let lastNewIndex = prevIndex + UInt64(entries.count)
        // The first entry whose index is new or whose term differs from ours.
        var conflictOffset = entries.count
        for offset in entries.indices {
            let entry = entries[offset]
            if try !matchTerm(entry.index, entry.term) {
                conflictOffset = offset
                break
            }
        }
        var appendedFrom: UInt64?
        if conflictOffset < entries.count {
            let conflictIndex = entries[conflictOffset].index
            if conflictIndex <= committed { return .conflictsWithCommitted }
            unstable.truncateAndAppend(Array(entries[conflictOffset...]))
            appendedFrom = conflictIndex
        }
        commitTo(min(commit, lastNewIndex))
        return .accepted(lastNewIndex: lastNewIndex, appendedFrom: appendedFrom)
    }

    /// Appends entries at the end of the log (the leader's own proposals).
    mutating func append(_ entries: [Entry]) {
        unstable.truncateAndAppend(entries)
    }

    /// The last index at or below `index` whose term is at most `term`, with that term; `(index, 0)`
    /// where the log no longer knows terms (compacted) and `(0, 0)` if there is none.
    func findConflictByTerm(index: UInt64, term: UInt64) throws -> (index: UInt64, term: UInt64) {
        var candidate = index
        while candidate > 0 {
            guard let ourTerm = try termIfPresent(at: candidate) else { return (candidate, 0) }
            if ourTerm <= term { return (candidate, ourTerm) }
            candidate -= 1
        }
        return (0, 0)
    }

    /// Raises the commit index to `index` (never lowers it, never past the last entry).
    mutating func commitTo(_ index: UInt64) {
        if index > committed { committed = min(index, lastIndex) }
    }

    /// The entries in `lower..<upper`, at most `maxBytes` of data (at least one entry).
    func entries(from lower: UInt64, to upper: UInt64, maxBytes: Int) throws -> [Entry] {
        guard lower < upper else { return [] }
        if lower < firstIndex { throw LogStorageError.compacted(index: lower) }
        if upper > lastIndex + 1 { throw LogStorageError.unavailable(index: upper - 1) }
        var result: [Entry] = []
        var bytes = 0
        if lower < unstable.offset {
            let storageUpper = min(upper, unstable.offset)
            result = try storage.entries(in: lower..<storageUpper, maxBytes: maxBytes)
            // A short read from storage ends the batch there: the result must stay contiguous.
            if result.count < Int(storageUpper - lower) { return result }
            for entry in result { bytes += entry.data.count }
        }
        let unstableLower = max(lower, unstable.offset)
        if unstableLower < upper {
            var index = Int(unstableLower - unstable.offset)
            let end = Int(upper - unstable.offset)
            while index < end {
                let entry = unstable.entries[index]
                bytes += entry.data.count
                if bytes > maxBytes && !result.isEmpty { break }
                result.append(entry)
                index += 1
            }
        }
        return result
    }

    /// Whether committed entries wait to be applied (none while a snapshot is being installed).
    var hasNextCommittedEntries: Bool {
        unstable.snapshot == nil && applied < committed
    }

    /// The committed entries after `applied`, at most `maxBytes` of data (at least one entry).
    func nextCommittedEntries(maxBytes: Int) throws -> [Entry] {
        guard hasNextCommittedEntries else { return [] }
        return try entries(from: max(applied + 1, firstIndex), to: committed + 1, maxBytes: maxBytes)
    }

    /// Replaces the log by a snapshot received from the leader.
    mutating func restore(_ metadata: SnapshotMetadata) {
        committed = metadata.index
        unstable.restore(metadata)
    }
}
