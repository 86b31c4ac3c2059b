/// Why a ``LogStorage`` could not answer for an index.
public enum LogStorageError: Error, Hashable, Sendable {
    /// The index lies before the compaction point: only a snapshot covers it.
    case compacted(index: UInt64)
    /// The index lies after the last entry.
    case unavailable(index: UInt64)
}
