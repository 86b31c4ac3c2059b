/// How an ``LSMStore`` is configured. The defaults suit a general-purpose store; every field has the
/// meaning LevelDB gives its option of the same name.
public struct LSMOptions: Sendable {
    /// Create the directory and an empty database when there is none. Default `true`.
    public var createIfMissing: Bool = true
    /// Fail with ``LSMError/alreadyExists(path:)`` when the directory already holds a database.
    /// Default `false`.
    public var errorIfExists: Bool = false
    /// Verify the checksum of every block read, not only of blocks read by compaction and `verify`.
    /// Default `true`: the cost is small next to decompression.
    public var paranoidChecks: Bool = true

    /// Bytes the memtable may hold before it is frozen and flushed to a level-0 table. Default 4 MiB.
    public var writeBufferSize: Int = 4 << 20
    /// The uncompressed size at which a table's data block is closed. Default 4 KiB.
    public var blockSize: Int = 4 << 10
    /// Keys between restart points in a block (full keys instead of shared prefixes). Default 16.
    public var blockRestartInterval: Int = 16
    /// How data blocks are compressed on disk. Default ``Compression/zlib``.
    public var compression: Compression = .zlib
    /// Tables written to levels below this one are stored uncompressed. Those levels are small,
    /// rewritten by every compaction and read most, so compressing them costs the most CPU for the
    /// least space (RocksDB's `compression_per_level` advice). Default 2: levels 0 and 1 are stored
    /// as they are, levels 2–6, which hold about 90% of the data, are compressed. 0 compresses all.
    public var uncompressedLevels: Int = 2
    /// Bloom filter bits per key; 10 gives about 1% false positives, 0 disables filters. Default 10.
    public var bloomBitsPerKey: Int = 10

    /// Read tables stored uncompressed (levels below ``uncompressedLevels``) through a read-only
    /// memory map, as LevelDB reads every table on 64-bit systems: their blocks are then used in
    /// place (no `pread`, no copy, no block-cache entry). Compressed tables are read with `pread`
    /// either way, their blocks being inflated into memory. Mapped file pages count in the process's
    /// resident size, though the kernel can drop them at any time. Default `true`.
    public var mapTableFiles: Bool = true

    /// Upper bound on the bytes of uncompressed blocks kept in the block cache. Default 8 MiB.
    /// Iterators cache every block they read; a point read that misses on a compressed block
    /// inflates only the part it needs and caches the block only when it misses again soon after.
    public var blockCacheCapacity: Int = 8 << 20
    /// Upper bound on open table files (the table cache). Default 1000.
    public var maxOpenFiles: Int = 1000

    /// The size at which compaction starts a new output table. Default 2 MiB.
    public var targetFileSize: Int = 2 << 20
    /// Total bytes level 1 may hold; each deeper level holds 10 times more. Default 10 MiB.
    public var maxBytesForLevelBase: Int = 10 << 20
    /// Level-0 tables that start a compaction. Default 4.
    public var level0CompactionTrigger: Int = 4
    /// Level-0 tables at which each write is delayed by 1 ms, letting compaction catch up. Default 8.
    public var level0SlowdownWritesTrigger: Int = 8
    /// Level-0 tables at which writes wait until compaction brings the count down. Default 12.
    public var level0StopWritesTrigger: Int = 12

    /// Creates options with every field at its default.
    public init() {}

    /// How table data blocks are stored.
    public enum Compression: UInt8, Sendable {
        /// Blocks are stored as they are.
        case none = 0
        /// Blocks are deflated with zlib (raw deflate, fastest level) when that saves at least 1/8:
        /// in segments of a restart interval or more, so that a point read inflates one segment
        /// (`doc/table_format.md`).
        case zlib = 1
    }
}

extension LSMOptions {
    /// The options for building a table of `level`: compression off above ``uncompressedLevels``.
    func forOutput(level: Int) -> LSMOptions {
        guard level < uncompressedLevels, compression != .none else { return self }
        var copy = self
        copy.compression = .none
        return copy
    }
}
