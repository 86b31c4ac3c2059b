/// Counters and sizes that describe a store's state, from ``LSMStore/stats()``.
public struct LSMStats: Sendable, CustomStringConvertible {
    /// Per level: the number of table files and their total bytes.
    public var levels: [(files: Int, bytes: Int64)]
    /// Bytes held by the active memtable and, while it is being flushed, the immutable one.
    public var memtableBytes: Int
    /// The sequence number of the newest write.
    public var lastSequence: UInt64
    /// Memtables flushed to level-0 tables.
    public var flushes: Int
    /// Compactions run (trivial moves included).
    public var compactions: Int
    /// Bytes read and written by compactions and flushes.
    public var compactionBytesRead: Int64
    /// Bytes written by compactions and flushes.
    public var compactionBytesWritten: Int64
    /// Writes that were delayed because level 0 had too many files.
    public var slowedWrites: Int
    /// Times a writer had to wait for a flush or for level 0 to shrink.
    public var stalledWrites: Int
    /// Write groups committed, and the writes they held: `writes / writeGroups` is the mean group size.
    public var writeGroups: Int
    /// Writes committed (puts, deletes and batches each count once).
    public var writes: Int
    /// WAL fsyncs.
    public var walSyncs: Int
    /// Bytes of uncompressed blocks in the block cache.
    public var blockCacheBytes: Int

    /// Bytes of all table files.
    public var totalTableBytes: Int64 { levels.reduce(0) { $0 + $1.bytes } }

    /// A multi-line summary in the spirit of LevelDB's `leveldb.stats` property.
    public var description: String {
        var lines = ["level  files        bytes"]
        for (level, entry) in levels.enumerated() where entry.files > 0 {
            lines.append("L\(level)     \(entry.files)      \(entry.bytes)")
        }
        lines.append("memtable bytes: \(memtableBytes), last sequence: \(lastSequence)")
        lines.append(
            "flushes: \(flushes), compactions: \(compactions), compaction read: \(compactionBytesRead), written: \(compactionBytesWritten)"
        )
        lines.append(
            "writes: \(writes) in \(writeGroups) groups, wal syncs: \(walSyncs), slowed: \(slowedWrites), stalled: \(stalledWrites)"
        )
        lines.append("block cache bytes: \(blockCacheBytes)")
        return lines.joined(separator: "\n")
    }
}
