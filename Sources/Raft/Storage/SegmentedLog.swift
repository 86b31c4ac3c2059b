import Synchronization

/// The durable Raft log: entries in append-only segment files, each entry framed with its length and a
/// CRC-32C, made durable in batches by an explicit ``sync()``.
///
/// A directory holds `LOCK` and segment files named after their first index (`NNNN….seg`, 20 digits);
/// a segment is closed at ``SegmentedLogOptions/maxSegmentSize`` (64 MiB) and a new one started. The
/// format is specified in `doc/raft_storage_format.md`.
///
/// Durability: ``append(_:)`` only buffers; nothing is durable until ``sync()`` returns, so a driver
/// appends every entry of a batch and pays one `fdatasync` for all of them. ``truncate(after:)``,
/// ``compact(upTo:)`` and ``reset(to:)`` are durable when they return.
///
/// Reads: the term of every entry is in memory; recent entries are served from an in-memory cache;
/// older ones are read with one `pread` per segment through an in-memory offset index, and their
/// checksums are verified.
///
/// Recovery on open: every record of every segment is verified. A torn tail of the last segment (a
/// partial record, zeros, or a final record whose checksum fails, which is what a crash during an
/// unsynced write leaves) is cut off; any other damage throws
/// ``RaftStorageError/corruption(file:offset:reason:)`` naming the file and the record's offset.
///
/// After opening, a driver calls ``compact(upTo:)`` with its latest snapshot's index (compaction
/// points are not stored: the log may start lower after a reopen) and, if the log does not reach
/// that index with the snapshot's term there, ``reset(to:)``.
///
/// All methods are thread-safe, under one lock; ``sync()`` releases it during the `fdatasync`, so
/// appends and reads (a leader replicating to followers) go on while the disk works. ``close()`` must
/// not run concurrently with other calls. After a failed `fdatasync` every call throws that error:
/// what reached the disk is unknown until the log is reopened.
public final class SegmentedLog: Sendable {
    private let state: Mutex<LogState>
    /// Held through a whole ``sync()``, so that a sync that finds nothing left to write returns only
    /// after a concurrent one's `fdatasync` has finished.
    private let syncInProgress = Mutex(())

    /// The directory the log lives in.
    public let directory: String

    /// Opens the log in `directory`, creating the directory and an empty log (next index 1) if
    /// needed, and recovering it after a crash.
    ///
    /// - Throws: ``RaftStorageError/locked(path:)`` if another process has it open,
    ///   ``RaftStorageError/corruption(file:offset:reason:)`` on damage that is not a torn tail.
    public init(directory: String, options: SegmentedLogOptions = SegmentedLogOptions()) throws {
        self.directory = directory
        state = Mutex(try LogState(directory: directory, options: options))
    }

    /// The index of the first entry that can be read (after compaction, the one after the snapshot).
    public var firstIndex: UInt64 { state.withLock { $0.firstIndex } }

    /// The index of the last entry; `firstIndex - 1` when the log is empty.
    public var lastIndex: UInt64 { state.withLock { $0.lastIndex } }

    /// The paths of the segment files, oldest first.
    public var segmentPaths: [String] { state.withLock { $0.segmentPaths } }

    /// The term of the entry at `index`, or `nil` if `index` is outside `firstIndex...lastIndex` (the
    /// term of a snapshot's last entry is in its ``SnapshotMetadata``). Reads no file.
    public func term(at index: UInt64) -> UInt64? {
        state.withLock { $0.term(at: index) }
    }

    /// Appends `entries` (buffered; durable after ``sync()``). The first must have index
    /// `lastIndex + 1` and the indexes must be consecutive; to replace a conflicting suffix, call
    /// ``truncate(after:)`` first.
    ///
    /// - Throws: ``RaftStorageError/invalidArgument(_:)`` for non-contiguous entries or an entry over
    ///   ``SegmentedLogOptions/maxEntrySize``; I/O errors when a full buffer or a segment rollover is
    ///   written.
    public func append(_ entries: [Entry]) throws {
        try state.withLock { try $0.append(entries) }
    }

    /// Makes every entry appended before the call durable: one write of the buffer and one
    /// `fdatasync` per segment written since the last sync (usually one), the latter outside the lock.
    /// Returns the index up to which the log is durable.
    ///
    /// Entries appended by other threads while the `fdatasync` runs are not covered; call again.
    @discardableResult
    public func sync() throws -> UInt64 {
        try syncInProgress.withLock { _ in
            let (files, durableIndex) = try state.withLock { try $0.prepareSync() }
            do {
                for file in files { try file.sync() }
            } catch {
                state.withLock { $0.recordSyncFailure(error) }
                throw error
            }
            return durableIndex
        }
    }

    /// Deletes every entry after `index` (a conflicting suffix), durably. Does nothing if `index >=
    /// lastIndex`.
    ///
    /// - Throws: ``RaftStorageError/compacted(index:firstIndex:)`` if `index < firstIndex - 1`.
    public func truncate(after index: UInt64) throws {
        try state.withLock { try $0.truncate(after: index) }
    }

    /// Entries `range`, in order, stopping before the one that would take their encoded size (25 bytes
    /// plus the data, per entry) past `maxBytes`; the first is always returned.
    ///
    /// - Throws: ``RaftStorageError/compacted(index:firstIndex:)`` if the range starts below
    ///   `firstIndex`, ``RaftStorageError/unavailable(index:lastIndex:)`` if it ends past `lastIndex`,
    ///   corruption if a record read from a file fails its checksum.
    public func entries(in range: Range<UInt64>, maxBytes: Int = .max) throws -> [Entry] {
        try state.withLock { try $0.entries(in: range, maxBytes: maxBytes) }
    }

    /// Forgets the entries up to `index` (now covered by a snapshot whose metadata carries `index`'s
    /// term) and deletes every segment all of whose entries are at or below it, durably. The segment
    /// holding `index + 1` stays, so its file may still hold older entries.
    ///
    /// - Throws: ``RaftStorageError/unavailable(index:lastIndex:)`` if `index > lastIndex` (use
    ///   ``reset(to:)`` for a snapshot past the log's end).
    public func compact(upTo index: UInt64) throws {
        try state.withLock { try $0.compact(upTo: index) }
    }

    /// Discards the whole log, which continues empty at `index + 1`, durably: for a follower that
    /// installed a snapshot at `index` from the leader.
    public func reset(to index: UInt64) throws {
        try state.withLock { try $0.reset(to: index) }
    }

    /// Syncs, closes the files and releases the directory's lock; later calls throw
    /// ``RaftStorageError/closed``.
    public func close() throws {
        try state.withLock { try $0.close() }
    }
}
