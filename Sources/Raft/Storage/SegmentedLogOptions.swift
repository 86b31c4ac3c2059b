/// Tuning of a ``SegmentedLog``.
public struct SegmentedLogOptions: Sendable, Hashable {
    /// A segment is closed and a new one started when the next record would take it past this size
    /// (a segment always holds at least one entry, so one larger entry makes a larger segment).
    /// At most 1 GiB. Default 64 MiB.
    public var maxSegmentSize: Int = 64 << 20
    /// Appended records are gathered in memory and written to the file (without sync) when this many
    /// bytes are waiting, or at the next ``SegmentedLog/sync()`` or read of them. Default 1 MiB.
    public var writeBufferSize: Int = 1 << 20
    /// The most entries the in-memory cache of recent entries holds. Default 8192.
    public var cacheMaxEntries: Int = 8192
    /// The most data bytes the in-memory cache of recent entries holds. Default 32 MiB.
    public var cacheMaxBytes: Int = 32 << 20
    /// The largest entry data accepted by ``SegmentedLog/append(_:)``; at most 1 GiB. Default 256 MiB.
    public var maxEntrySize: Int = 256 << 20

    /// Creates the default options.
    public init() {}
}
