/// The configurations the log defines, by index: the one in force at the compaction point (from the
/// snapshot, or empty) followed by one per configuration entry still in the log.
///
/// A configuration takes effect as soon as its entry is appended (thesis §4.1), so the latest one
/// rules even while uncommitted; if a conflicting append removes its entry, the previous one rules
/// again. Snapshots need the configuration at their index, hence the history.
struct ConfigurationHistory {
    /// (index, configuration), ascending by index; never empty.
    private(set) var records: [(index: UInt64, configuration: Configuration)]

    /// A history that starts with `configuration` in force at `index`.
    init(base configuration: Configuration, at index: UInt64) {
        records = [(index, configuration)]
    }

    /// The configuration in force after the last entry.
    var latest: Configuration { records[records.count - 1].configuration }

    /// The index of the entry that set the latest configuration (or of the base).
    var latestIndex: UInt64 { records[records.count - 1].index }

    /// The configuration in force at `index`.
    func configuration(at index: UInt64) -> Configuration {
        var result = records[0].configuration
        for record in records {
            if record.index > index { break }
            result = record.configuration
        }
        return result
    }

    /// Records the configuration an entry at `index` sets.
    mutating func append(_ configuration: Configuration, at index: UInt64) {
        records.append((index, configuration))
    }

    /// Forgets the configurations of entries after `index` (they were truncated).
    mutating func truncate(after index: UInt64) {
        while records.count > 1 && records[records.count - 1].index > index {
            records.removeLast()
        }
    }

    /// Forgets configurations superseded at or before `index`, keeping the one in force there.
    mutating func prune(through index: UInt64) {
        var keepFrom = 0
        for (position, record) in records.enumerated() where record.index <= index {
            keepFrom = position
        }
        if keepFrom > 0 { records.removeFirst(keepFrom) }
    }
}
