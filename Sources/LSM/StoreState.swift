import Synchronization

/// The mutable state of an ``LSMStore``, every field guarded by the store's ``Monitor`` unless its
/// comment says otherwise.
final class StoreState: @unchecked Sendable {
    // Safe to share: all access goes through the store's monitor (see each field). The fields the
    // write path touches on every commit are `@exclusivity(unchecked)`: the monitor already rules out
    // overlapping access, and the runtime check cost about 5% of a put (callgrind, fillrandom).

    /// Takes writes. Inserted into only by the current write-group leader, read by anyone.
    @exclusivity(unchecked) var memtable = Memtable()
    /// The frozen memtable being flushed, if any.
    var immutable: Memtable?
    /// Set while `immutable` is non-nil; read without the lock by a running compaction, which
    /// pauses to flush it first so writers are not held up.
    let hasImmutable = Atomic<Bool>(false)
    /// The WAL that receives writes, its file and its number. Used without the lock by the write
    /// leader only.
    @exclusivity(unchecked) var log: LogWriter?
    var logNumber: UInt64 = 0
    /// Files, counters and the manifest.
    let versions: VersionSet
    /// Writers waiting to commit, in arrival order; the first one leads the next group.
    @exclusivity(unchecked) var writers: [Writer] = []
    @exclusivity(unchecked) var writersHead = 0
    /// Snapshots handed out and maybe still alive.
    var snapshots: [WeakSnapshot] = []
    /// Table files being written by a flush or compaction: not yet in a version, not to be deleted.
    var pendingOutputs: Set<UInt64> = []
    /// Whether background work is queued or running.
    var backgroundScheduled = false
    /// The first error of background work; once set, writes fail.
    var backgroundError: LSMError?
    /// A manual compaction asked for by `compactRange`, if any.
    var manualCompaction: ManualCompaction?
    var shuttingDown = false
    var closed = false
    var lock: FileLock?

    // Statistics.
    var flushes = 0
    var compactions = 0
    var compactionBytesRead: Int64 = 0
    var compactionBytesWritten: Int64 = 0
    @exclusivity(unchecked) var slowedWrites = 0
    @exclusivity(unchecked) var stalledWrites = 0
    @exclusivity(unchecked) var writeGroups = 0
    @exclusivity(unchecked) var writes = 0
    @exclusivity(unchecked) var walSyncs = 0

    init(versions: VersionSet) {
        self.versions = versions
    }

    /// The first waiting writer.
    var frontWriter: Writer? { writersHead < writers.count ? writers[writersHead] : nil }

    /// Removes the first waiting writer.
    func popWriter() {
        writersHead += 1
        if writersHead == writers.count {
            writers.removeAll(keepingCapacity: true)
            writersHead = 0
        } else if writersHead > 64 && writersHead * 2 > writers.count {
            writers.removeFirst(writersHead)
            writersHead = 0
        }
    }

    /// The sequence number below which no live snapshot needs old versions.
    var oldestSnapshotSequence: UInt64 {
        snapshots.removeAll { $0.snapshot == nil }
        var oldest = versions.lastSequence
        for entry in snapshots {
            if let s = entry.snapshot, s.sequence < oldest { oldest = s.sequence }
        }
        return oldest
    }
}

/// A writer waiting in the group-commit queue.
final class Writer {
    /// Mutable so that a leader writing alone stamps the sequence number into it in place (a `let`
    /// shared with a copy would make that stamp copy the whole batch).
    @exclusivity(unchecked) var batch: WriteBatch
    let sync: Bool
    /// Only make room (flush the memtable), write nothing: `compactRange` uses it.
    let forceFlush: Bool
    @exclusivity(unchecked) var done = false
    @exclusivity(unchecked) var error: LSMError?

    init(batch: WriteBatch, sync: Bool, forceFlush: Bool = false) {
        self.batch = batch
        self.sync = sync
        self.forceFlush = forceFlush
    }
}

/// A request from `compactRange` for the background worker.
final class ManualCompaction {
    let level: Int
    var begin: [UInt8]?
    let end: [UInt8]?
    var done = false
    init(level: Int, begin: [UInt8]?, end: [UInt8]?) {
        self.level = level
        self.begin = begin
        self.end = end
    }
}
