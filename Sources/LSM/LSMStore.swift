import Dispatch

/// An embedded, persistent, ordered key-value store built as a log-structured merge tree, in the
/// manner of LevelDB.
///
/// Writes go to a write-ahead log and an in-memory skiplist; full memtables are flushed to sorted,
/// compressed, checksummed table files that background compaction merges level by level. Keys and
/// values are arbitrary byte strings, ordered bytewise.
///
/// ```swift
/// import LSM
/// let db = try LSMStore(directory: "/tmp/db", options: .init())   // creates or recovers
/// try db.put(Array("k".utf8), Array("v".utf8))                     // sync: false by default
/// try db.put(key, value, sync: true)                                // durable before it returns
/// let v: [UInt8]? = try db.get(key)
/// try db.delete(key)
/// var batch = WriteBatch(); batch.put(k1, v1); batch.delete(k2)
/// try db.write(batch, sync: true)                                   // atomic: all or nothing
/// for (key, value) in try db.scan(from: a, to: b) { … }             // ordered, also scan(prefix:)
/// let snap = db.snapshot(); _ = try db.get(key, at: snap)           // consistent reads at a point
/// try db.compactRange(); let s = db.stats(); try db.close()
/// ```
///
/// **Durability.** A write with `sync: false` survives a crash of the process (it is in the
/// operating system's page cache) but may be lost if the machine loses power. A write with
/// `sync: true` is fsync'd before the call returns; concurrent writers share one write and one fsync
/// (group commit).
///
/// **Concurrency.** Every method may be called from any thread. Reads never wait for writes; writes
/// are serialized through a queue that commits them in groups.
///
/// **Errors.** Every method throws ``LSMError``. Damaged files give ``LSMError/corruption(file:offset:reason:)``
/// with the file and byte offset; a second opener of the same directory gets ``LSMError/locked(path:)``.
public final class LSMStore: Sendable {
    /// The directory that holds the store's files.
    public let directory: String
    /// The options the store was opened with.
    public let options: LSMOptions

    /// The largest key accepted, in bytes.
    public static let maxKeySize = 1 << 20
    /// The largest value accepted, in bytes.
    public static let maxValueSize = 1 << 30

    let monitor = Monitor()
    /// Signalled when the front of the writer queue changes.
    let writersChanged: Monitor.Condition
    /// Signalled when background work finishes a step.
    let backgroundProgress: Monitor.Condition
    let state: StoreState
    let tableCache: TableCache
    let blockCache: BlockCache?
    let backgroundQueue = DispatchQueue(label: "lsm.background")

    /// Opens the store in `directory`, creating it when ``LSMOptions/createIfMissing`` allows, and
    /// recovers whatever the write-ahead log holds that had not reached a table yet.
    ///
    /// - Throws: ``LSMError/locked(path:)`` when another process has the directory open,
    ///   ``LSMError/corruption(file:offset:reason:)`` when a file is damaged beyond a torn WAL tail,
    ///   and ``LSMError/notFound(path:)`` / ``LSMError/alreadyExists(path:)`` per the options.
    public init(directory: String, options: LSMOptions = LSMOptions()) throws {
        self.directory = directory
        self.options = options
        writersChanged = Monitor.Condition(monitor)
        backgroundProgress = Monitor.Condition(monitor)
        blockCache = options.blockCacheCapacity > 0 ? BlockCache(capacity: options.blockCacheCapacity) : nil
        tableCache = TableCache(directory: directory, options: options, blockCache: blockCache)
        state = StoreState(versions: VersionSet(directory: directory, options: options))
        try open()
    }

    deinit {
        try? close()
    }

    // MARK: Writes

    /// Stores `value` under `key`, replacing any earlier value.
    ///
    /// - Parameter sync: when `true`, the write is fsync'd to the log before the call returns.
    public func put(_ key: [UInt8], _ value: [UInt8], sync: Bool = false) throws {
        try checkSizes(key: key, value: value)
        var batch = WriteBatch(
            reservingCapacity: WriteBatch.putSize(keyCount: key.count, valueCount: value.count))
        batch.put(key, value)
        try write(consume batch, sync: sync)
    }

    /// Stores `value` under `key` like ``put(_:_:sync:)-([UInt8],[UInt8],Bool)``, reading both from
    /// memory the caller owns: the bytes are copied once, into the write batch, with no arrays made.
    public func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sync: Bool = false) throws {
        try checkSizes(keyCount: key.count, valueCount: value.count)
        var batch = WriteBatch(
            reservingCapacity: WriteBatch.putSize(keyCount: key.count, valueCount: value.count))
        batch.put(key, value)
        try write(consume batch, sync: sync)
    }

    /// Removes `key` like ``delete(_:sync:)-([UInt8],Bool)``, reading it from memory the caller owns.
    public func delete(_ key: UnsafeRawBufferPointer, sync: Bool = false) throws {
        try checkSizes(keyCount: key.count, valueCount: 0)
        var batch = WriteBatch(reservingCapacity: WriteBatch.putSize(keyCount: key.count, valueCount: 0))
        batch.delete(key)
        try write(consume batch, sync: sync)
    }

    /// Removes `key`; removing a key that does not exist is not an error.
    public func delete(_ key: [UInt8], sync: Bool = false) throws {
        try checkSizes(key: key, value: [])
        var batch = WriteBatch(reservingCapacity: WriteBatch.putSize(keyCount: key.count, valueCount: 0))
        batch.delete(key)
        try write(consume batch, sync: sync)
    }

    /// Applies every operation of `batch` atomically: after a crash, all of them are there or none.
    public func write(_ batch: consuming WriteBatch, sync: Bool = false) throws {
        // Consuming, so a batch the caller is done with moves into the writer uncopied.
        try commit(Writer(batch: batch, sync: sync))
    }

    private func checkSizes(key: [UInt8], value: [UInt8]) throws {
        try checkSizes(keyCount: key.count, valueCount: value.count)
    }

    private func checkSizes(keyCount: Int, valueCount: Int) throws {
        if keyCount > LSMStore.maxKeySize {
            throw LSMError.invalidArgument("key of \(keyCount) bytes exceeds \(LSMStore.maxKeySize)")
        }
        if valueCount > LSMStore.maxValueSize {
            throw LSMError.invalidArgument("value of \(valueCount) bytes exceeds \(LSMStore.maxValueSize)")
        }
    }

    // MARK: Reads

    /// The value stored under `key`, or `nil` when there is none.
    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        try get(key, sequence: nil)
    }

    /// The value stored under `key`, read from memory the caller owns, or `nil` when there is none.
    public func get(_ key: UnsafeRawBufferPointer) throws -> [UInt8]? {
        try get(userKey: key, sequence: nil)
    }

    /// The value `key` had when `snapshot` was taken, or `nil` when it had none.
    public func get(_ key: [UInt8], at snapshot: Snapshot) throws -> [UInt8]? {
        try get(key, sequence: snapshot.sequence)
    }

    private func get(_ key: [UInt8], sequence: UInt64?) throws -> [UInt8]? {
        try key.withUnsafeBytes { try get(userKey: $0, sequence: sequence) }
    }

    private func get(userKey: UnsafeRawBufferPointer, sequence: UInt64?) throws -> [UInt8]? {
        monitor.lock()
        if state.closed {
            monitor.unlock()
            throw LSMError.closed
        }
        let snapshotSequence = sequence ?? state.versions.lastSequence
        let memtable = state.memtable
        let immutable = state.immutable
        let version = state.versions.current
        monitor.unlock()

        let result: LookupResult? = try {
            if let found = memtable.get(userKey, sequence: snapshotSequence) { return found }
            if let immutable, let found = immutable.get(userKey, sequence: snapshotSequence) { return found }
            // The lookup key `userKey | fixed64(sequence << 8 | value)` sorts before every older entry.
            return try withUnsafeTemporaryAllocation(
                byteCount: userKey.count + InternalKey.trailerSize, alignment: 8
            ) { lookup in
                guard let base = lookup.baseAddress else { return nil }
                if let source = userKey.baseAddress { base.copyMemory(from: source, byteCount: userKey.count) }
                Coding.storeFixed64(
                    base + userKey.count, InternalKey.packTrailer(sequence: snapshotSequence, type: .value))
                return try version.get(UnsafeRawBufferPointer(lookup), tableCache: tableCache)
            }
        }()
        if case .found(let value) = result { return value }
        return nil
    }

    /// A snapshot of the store as it is now, for reads that must not see later writes.
    public func snapshot() -> Snapshot {
        monitor.withLock {
            let snapshot = Snapshot(sequence: state.versions.lastSequence)
            state.snapshots.append(WeakSnapshot(snapshot))
            return snapshot
        }
    }

    /// The entries with `start <= key < end`, in key order.
    ///
    /// - Parameters:
    ///   - start: the first key to include; `nil` starts at the first key.
    ///   - end: the first key to exclude; `nil` runs to the last key.
    ///   - snapshot: read as of this snapshot instead of now.
    ///   - limit: return at most this many entries.
    /// - Returns: the entries, copied out of the store. For ranges too large to hold in memory at
    ///   once, use ``makeIterator(from:to:at:)``.
    public func scan(
        from start: [UInt8]? = nil, to end: [UInt8]? = nil, at snapshot: Snapshot? = nil, limit: Int = Int.max
    ) throws -> [(key: [UInt8], value: [UInt8])] {
        let iterator = try makeIterator(from: start, to: end, at: snapshot)
        var result: [(key: [UInt8], value: [UInt8])] = []
        while result.count < limit, let entry = try iterator.next() { result.append(entry) }
        return result
    }

    /// The entries whose key starts with `prefix`, in key order.
    public func scan(prefix: [UInt8], at snapshot: Snapshot? = nil, limit: Int = Int.max) throws -> [(
        key: [UInt8], value: [UInt8]
    )] {
        try scan(from: prefix, to: LSMStore.successor(ofPrefix: prefix), at: snapshot, limit: limit)
    }

    /// The smallest key greater than every key that starts with `prefix`, or `nil` if there is none
    /// (the prefix is empty or all `0xff`).
    static func successor(ofPrefix prefix: [UInt8]) -> [UInt8]? {
        var end = prefix
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return nil
    }

    /// A streaming iterator over the entries with `start <= key < end`, at `snapshot` or now.
    ///
    /// The iterator pins the files and memtables it reads until it is released.
    public func makeIterator(from start: [UInt8]? = nil, to end: [UInt8]? = nil, at snapshot: Snapshot? = nil)
        throws -> LSMIterator
    {
        monitor.lock()
        if state.closed {
            monitor.unlock()
            throw LSMError.closed
        }
        let sequence = snapshot?.sequence ?? state.versions.lastSequence
        let memtable = state.memtable
        let immutable = state.immutable
        let version = state.versions.current
        monitor.unlock()

        var children: [any InternalIterator] = [memtable.makeIterator()]
        if let immutable { children.append(immutable.makeIterator()) }
        try version.appendIterators(to: &children, tableCache: tableCache, fillCache: true)
        let iterator = DBIterator(
            MergingIterator(children: children), sequence: sequence, upperBound: end)
        return LSMIterator(iterator, start: start, pinning: version)
    }

    // MARK: Maintenance

    /// Flushes the memtable and compacts every level down until each key has one version left (as far
    /// as live snapshots allow), and tombstones are gone. Returns when the work is done.
    public func compactRange() throws {
        try commit(Writer(batch: WriteBatch(), sync: false, forceFlush: true))
        monitor.lock()
        defer { monitor.unlock() }
        while state.immutable != nil && state.backgroundError == nil { backgroundProgress.wait() }
        if let error = state.backgroundError { throw error }
        // As LevelDB does: compact each level down into the next, up to the deepest level with files.
        let deepest = (1..<Version.levelCount).last { !state.versions.current.files[$0].isEmpty } ?? 1
        for level in 0..<deepest where !state.versions.current.files[level].isEmpty {
            let manual = ManualCompaction(level: level, begin: nil, end: nil)
            state.manualCompaction = manual
            scheduleBackgroundWork()
            while !manual.done && state.backgroundError == nil && !state.closed { backgroundProgress.wait() }
            if state.manualCompaction === manual { state.manualCompaction = nil }
            if let error = state.backgroundError { throw error }
        }
    }

    /// Current sizes and counters.
    public func stats() -> LSMStats {
        monitor.withLock {
            let version = state.versions.current
            return LSMStats(
                levels: version.files.map { (files: $0.count, bytes: Version.totalSize($0)) },
                memtableBytes: state.memtable.approximateMemoryUsage
                    + (state.immutable?.approximateMemoryUsage ?? 0),
                lastSequence: state.versions.lastSequence,
                flushes: state.flushes,
                compactions: state.compactions,
                compactionBytesRead: state.compactionBytesRead,
                compactionBytesWritten: state.compactionBytesWritten,
                slowedWrites: state.slowedWrites,
                stalledWrites: state.stalledWrites,
                writeGroups: state.writeGroups,
                writes: state.writes,
                walSyncs: state.walSyncs,
                blockCacheBytes: blockCache?.usage ?? 0)
        }
    }

    /// Waits for background work to finish, syncs the log and releases the directory. Later calls on
    /// the store throw ``LSMError/closed``; closing twice is harmless.
    public func close() throws {
        monitor.lock()
        defer { monitor.unlock() }
        if state.closed { return }
        state.shuttingDown = true
        while state.backgroundScheduled { backgroundProgress.wait() }
        state.closed = true
        var firstError: (any Error)?
        do {
            try state.log?.sync()
            try state.log?.close()
        } catch { firstError = error }
        state.log = nil
        do { try state.versions.close() } catch { firstError = firstError ?? error }
        state.lock?.unlock()
        state.lock = nil
        writersChanged.broadcast()
        backgroundProgress.broadcast()
        if let firstError { throw firstError }
    }
}
