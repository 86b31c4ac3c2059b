/// The most recent entries of the log, in memory, so that a leader replicating to followers that are
/// nearly caught up (the common case) reads no file.
///
/// It always holds a suffix of the log: entries `firstIndex...lastIndex` of the log, bounded by an
/// entry count and a byte budget (the oldest are dropped first). The entries share their `data` arrays
/// with the caller's, so caching copies no bytes.
struct EntryCache {
    private var entries: [Entry] = []
    /// The position in `entries` of the oldest live entry; dropped entries are removed in bulk.
    private var start = 0
    /// The index of the oldest cached entry; `lastIndex + 1` of the log when the cache is empty.
    private(set) var firstIndex: UInt64
    private var bytes = 0
    let maxEntries: Int
    let maxBytes: Int

    init(nextIndex: UInt64, maxEntries: Int, maxBytes: Int) {
        firstIndex = nextIndex
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    /// The number of cached entries.
    var count: Int { entries.count - start }

    /// Adds the log's next entry (its index is `firstIndex + count`).
    mutating func append(_ entry: Entry) {
        guard maxEntries > 0 else {
            firstIndex = entry.index + 1
            return
        }
        entries.append(entry)
        bytes += entry.data.count
        while count > maxEntries || (bytes > maxBytes && count > 1) { dropOldest() }
    }

    private mutating func dropOldest() {
        bytes -= entries[start].data.count
        entries[start] = Entry(term: 0, index: 0)
        start += 1
        firstIndex += 1
        if start >= 1024 && start * 2 >= entries.count {
            entries.removeFirst(start)
            start = 0
        }
    }

    /// The cached entry at `index`, which must be in `firstIndex..<firstIndex + count`.
    subscript(index: UInt64) -> Entry {
        entries[start + Int(index - firstIndex)]
    }

    /// Drops the entries after `index` (a log truncation).
    mutating func truncate(after index: UInt64) {
        guard index + 1 < firstIndex + UInt64(count) else { return }
        if index < firstIndex {
            clear(nextIndex: index + 1)
            return
        }
        let keep = Int(index - firstIndex) + 1
        for entry in entries[(start + keep)...] { bytes -= entry.data.count }
        entries.removeSubrange((start + keep)...)
    }

    /// Drops the entries before `index` (a log compaction).
    mutating func drop(before index: UInt64) {
        while count > 0 && firstIndex < index { dropOldest() }
        if count == 0 && firstIndex < index { firstIndex = index }
    }

    /// Empties the cache; the log's next entry will be `nextIndex`.
    mutating func clear(nextIndex: UInt64) {
        entries.removeAll()
        start = 0
        bytes = 0
        firstIndex = nextIndex
    }
}
