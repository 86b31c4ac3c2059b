import Synchronization

/// The open tables of a database directory, at most ``LSMOptions/maxOpenFiles`` of them, least
/// recently used closed first.
///
/// A hit is one dictionary lookup under the lock and a stamp of the use clock. A miss opens the file
/// and reads its footer, index and filter *outside* the lock (two threads missing on one table both
/// open it; the first to insert wins), then evicts the entry with the oldest stamp when over
/// capacity — a linear scan, paid only on misses, which cost a file open anyway. An evicted
/// ``Table`` stays usable by whoever still holds it (an iterator, a lookup); its file closes when
/// the last reference goes.
final class TableCache: Sendable {
    private let directory: String
    private let options: LSMOptions
    private let blockCache: BlockCache?
    private let capacity: Int
    private let state = Mutex(State())

    /// The cached tables and the use clock.
    private struct State {
        var tables: [UInt64: Entry] = [:]
        var clock: UInt64 = 0
    }

    /// An open table and when it was last used.
    private struct Entry {
        var table: Table
        var lastUse: UInt64
    }

    /// A cache of tables in `directory`, sharing `blockCache` for their data blocks.
    init(directory: String, options: LSMOptions, blockCache: BlockCache?) {
        self.directory = directory
        self.options = options
        self.blockCache = blockCache
        self.capacity = max(options.maxOpenFiles, 1)
    }

    /// The open table `fileNumber` (of `size` bytes, as the manifest records), opening
    /// `FileNames.table(directory, fileNumber)` on a miss.
    func table(fileNumber: UInt64, size: UInt64) throws -> Table {
        let cached = state.withLock { state -> Table? in
            guard let index = state.tables.index(forKey: fileNumber) else { return nil }
            state.clock += 1
            state.tables.values[index].lastUse = state.clock
            return state.tables.values[index].table
        }
        if let cached { return cached }

        let file = try PosixFile.openForReading(FileNames.table(directory, fileNumber))
        let opened = try Table.open(
            file: file, fileNumber: fileNumber, size: size, options: options, blockCache: blockCache)
        return state.withLock { state -> Table in
            state.clock += 1
            if let index = state.tables.index(forKey: fileNumber) {
                state.tables.values[index].lastUse = state.clock
                return state.tables.values[index].table
            }
            state.tables[fileNumber] = Entry(table: opened, lastUse: state.clock)
            if state.tables.count > capacity,
                let oldest = state.tables.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
            {
                state.tables.removeValue(forKey: oldest)
            }
            return opened
        }
    }

    /// Point lookup of `lookupKey` in table `fileNumber`; see ``Table/get(_:verifyChecksums:)``.
    func get(fileNumber: UInt64, size: UInt64, lookupKey: UnsafeRawBufferPointer) throws -> LookupResult? {
        try table(fileNumber: fileNumber, size: size).get(lookupKey, verifyChecksums: options.paranoidChecks)
    }

    /// An iterator over table `fileNumber`. `fillCache` false (compaction) keeps the blocks it reads
    /// out of the block cache and always verifies checksums.
    func makeIterator(fileNumber: UInt64, size: UInt64, fillCache: Bool) throws -> TableIterator {
        try table(fileNumber: fileNumber, size: size).makeIterator(
            verifyChecksums: options.paranoidChecks || !fillCache, fillCache: fillCache)
    }

    /// Forgets table `fileNumber` (its file is being deleted).
    func evict(fileNumber: UInt64) {
        _ = state.withLock { $0.tables.removeValue(forKey: fileNumber) }
    }

    /// How many tables are open in the cache.
    var count: Int { state.withLock { $0.tables.count } }
}
