import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A key-value database in one file: a copy-on-write B+tree read through a memory map, in the manner
/// of bbolt and LMDB.
///
/// ```swift
/// let db = try BTreeDB(path: "/tmp/data.db")                  // creates or opens
/// try db.update { tx in                                       // one writer at a time
///     let kv = try tx.createBucketIfNotExists("kv")
///     try kv.put(Array("key".utf8), Array("value".utf8))
/// }                                                           // durable when update returns
/// let value = try db.view { tx in try tx.bucket("kv")?.get(Array("key".utf8)) }
/// try db.close()
/// ```
///
/// - Data lives in *buckets* (``Bucket``): sorted key/value collections that may nest. The top level of
///   the file holds only buckets.
/// - Every change happens in a read-write ``Transaction``: ``update(_:)`` runs one, committing when the
///   closure returns and rolling back when it throws; ``batch(_:)`` coalesces concurrent callers into
///   one. Only one write transaction runs at a time.
/// - Reads happen in read-only transactions (``view(_:)``, ``beginRead()``), any number of them, each
///   seeing the database as of its start while writers commit.
/// - A commit is atomic and, unless ``BTreeOptions/noSync`` is set, durable when it returns: changed
///   pages go to free space, are fsynced, and only then does a new meta page make them current.
///
/// A second process (or a second `BTreeDB` in this one) opening the same file for writing gets
/// ``BTreeError/locked(path:)``. Damaged bytes surface as ``BTreeError/corruption(page:reason:)``.
/// `BTreeDB` is safe to use from any thread.
public final class BTreeDB: Sendable {
    /// The file's path.
    public let path: String
    /// Bytes per page: the operating system's page size when the file was created, unless
    /// ``BTreeOptions/pageSize`` said otherwise.
    public let pageSize: Int
    /// The longest key (and bucket name) in bytes: a quarter page less the element overhead, 990 bytes
    /// for 4 KiB pages. Longer keys throw ``BTreeError/keyTooLarge(size:limit:)``.
    public let maxKeySize: Int
    /// The longest value in bytes (1 GiB); longer values throw
    /// ``BTreeError/valueTooLarge(size:limit:)``. Values too large to keep a quarter page free in a
    /// leaf go to overflow pages of their own.
    public static let maxValueSize = 1 << 30
    /// The most bytes one leaf element (header, key and inline value) may take: a quarter of the usable
    /// page, so every node holds at least four.
    let maxInlineElementSize: Int
    /// The options the database was opened with.
    let options: BTreeOptions
    let file: DatabaseFile
    let state: Mutex<SharedState>
    let writer: WriterLock
    let batcher = BatchCoordinator()

    /// Opens the database file at `path`, creating it (with an empty root) if it does not exist or is
    /// empty, unless ``BTreeOptions/readOnly`` is set.
    ///
    /// Of the two meta pages, the valid one with the higher transaction id wins; if the newer one is
    /// torn or damaged, the older one is used (losing only the last commit, whose meta never fully
    /// reached the disk). Throws ``BTreeError/locked(path:)`` if another opener holds the file,
    /// ``BTreeError/corruption(page:reason:)`` if neither meta page is valid, and
    /// ``BTreeError/invalidFile(path:reason:)`` for a file that is not a database of this format.
    public init(path: String, options: BTreeOptions = BTreeOptions()) throws {
        let file = try DatabaseFile(path: path, writable: !options.readOnly, create: !options.readOnly)
        try file.lock(exclusive: !options.readOnly)
        var fileSize = try file.size()
        if fileSize == 0 {
            guard !options.readOnly else { throw BTreeError.invalidFile(path: path, reason: "the file is empty") }
            let pageSize = options.pageSize ?? Int(sysconf(Int32(_SC_PAGESIZE)))
            guard Meta.isValidPageSize(pageSize) else {
                throw BTreeError.invalidFile(
                    path: path, reason: "page size \(pageSize) is not a power of two in 512...65536")
            }
            try Self.initialize(file, pageSize: pageSize)
            try DatabaseFile.syncDirectory(of: path)
            fileSize = try file.size()
        }
        let meta = try Self.readMeta(file, fileSize: fileSize)
        let pageSize = meta.pageSize
        let wanted = max(options.initialMapSize, Int(fileSize), 4 * pageSize)
        let mapSize = (wanted + pageSize - 1) / pageSize * pageSize
        let map = try MemoryMap(descriptor: file.fd, size: mapSize, pageSize: pageSize, path: path, previous: nil)
        let space = PageSpace(map: map, pageCount: meta.pageCount, verifyChecksums: true)
        let (ids, freelistPages) = try space.readFreelist(meta.freelist)

        self.path = path
        self.pageSize = pageSize
        maxInlineElementSize = (pageSize - Page.headerSize) / 4
        maxKeySize = maxInlineElementSize - Page.leafElementSize - BucketHeader.size
        self.options = options
        self.file = file
        writer = WriterLock(freelist: Freelist(ids: ids), freelistPages: freelistPages)
        var initial = SharedState(meta: meta, map: map)
        initial.freePages = ids.count
        state = Mutex(initial)
    }

    deinit {
        file.close()
    }

    /// Writes an empty database of `pageSize`-byte pages: metas 0 and 1, an empty freelist (page 2) and
    /// an empty root leaf (page 3).
    private static func initialize(_ file: DatabaseFile, pageSize: Int) throws {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 4 * pageSize, alignment: pageSize)
        defer { buffer.deallocate() }
        for txid in 0..<2 {
            let meta = Meta(
                pageSize: pageSize, root: BucketHeader(root: 3, sequence: 0), freelist: 2, pageCount: 4,
                txid: UInt64(txid))
            meta.write(to: buffer + txid * pageSize, slot: UInt64(txid))
        }
        Freelist.write([], id: 2, pages: 1, pageSize: pageSize, to: buffer + 2 * pageSize)
        let root = Node(isLeaf: true, pageID: 3, parent: nil)
        let used = root.write(0..<0, id: 3, to: buffer + 3 * pageSize, pageSize: pageSize)
        Page.seal(buffer + 3 * pageSize, length: used)
        try file.write(UnsafeRawBufferPointer(start: buffer, count: 4 * pageSize), at: 0)
        try file.sync()
    }

    /// Reads both meta pages and returns the valid one with the higher transaction id.
    private static func readMeta(_ file: DatabaseFile, fileSize: Int64) throws -> Meta {
        let path = file.path
        let length = Int(min(fileSize, Int64(2 * Page.maximumPageSize)))
        guard length >= 2 * Page.minimumPageSize else {
            throw BTreeError.invalidFile(path: path, reason: "\(fileSize) bytes cannot hold two meta pages")
        }
        var bytes = [UInt8](repeating: 0, count: length)
        let read = try bytes.withUnsafeMutableBytes { try file.read(into: $0.baseAddress!, count: length, at: 0) }
        guard read == length else { throw BTreeError.invalidFile(path: path, reason: "short read of the meta pages") }
        return try bytes.withUnsafeBytes { raw -> Meta in
            // The page size is in the meta page itself; if page 0 is damaged, try every size the format
            // allows for page 1.
            var candidates: [Int] = []
            if let claimed = Meta.claimedPageSize(raw) { candidates.append(claimed) }
            let system = Int(sysconf(Int32(_SC_PAGESIZE)))
            if Meta.isValidPageSize(system) { candidates.append(system) }
            var size = Page.minimumPageSize
            while size <= Page.maximumPageSize {
                candidates.append(size)
                size *= 2
            }
            var failures: [String] = []
            var sawMagic = false
            var tried = Set<Int>()
            for pageSize in candidates where tried.insert(pageSize).inserted && 2 * pageSize <= raw.count {
                var valid: [Meta] = []
                var reasons: [String] = []
                for slot in 0..<2 {
                    let page = UnsafeRawBufferPointer(rebasing: raw[slot * pageSize..<(slot + 1) * pageSize])
                    switch Meta.decode(page, slot: UInt64(slot), pageSize: pageSize) {
                    case .success(let meta): valid.append(meta)
                    case .failure(.damaged(let reason)):
                        sawMagic = true
                        reasons.append(reason)
                    case .failure(.notMeta(let reason)): reasons.append(reason)
                    }
                }
                if let best = valid.max(by: { $0.txid < $1.txid }) {
                    // A meta that checks out but names pages past the end of the file means the file was
                    // cut short: falling back to the older meta would silently lose commits.
                    guard Int64(best.pageCount) * Int64(pageSize) <= fileSize else {
                        throw BTreeError.corruption(
                            page: best.txid % 2,
                            reason:
                                "meta page \(best.txid % 2) (transaction \(best.txid)) needs \(best.pageCount) pages but \(path) has only \(fileSize) bytes: the file was truncated"
                        )
                    }
                    return best
                }
                if failures.isEmpty || sawMagic { failures = reasons }
            }
            let detail = failures.joined(separator: "; ")
            if sawMagic {
                throw BTreeError.corruption(page: 0, reason: "neither meta page is valid (\(detail)) in \(path)")
            }
            throw BTreeError.invalidFile(path: path, reason: "no valid meta page (\(detail))")
        }
    }

    // MARK: Transactions

    /// Runs `body` in a read-write transaction and commits it when `body` returns, returning what it
    /// returned; if `body` (or the commit) throws, every change is rolled back and the error rethrown.
    ///
    /// Only one write transaction runs at a time: this waits for the current one. Readers are never
    /// blocked. Calling `update` or ``batch(_:)`` from inside `body` throws
    /// ``BTreeError/nestedWriteTransaction``.
    public func update<R>(_ body: (Transaction) throws -> R) throws -> R {
        guard !options.readOnly else { throw BTreeError.databaseReadOnly }
        try writer.lock()
        defer { writer.unlock() }
        let tx = try beginWrite()
        let result: R
        do {
            result = try body(tx)
            try commit(tx)
        } catch {
            tx.end()
            state.withLock { $0.rollbacks += 1 }
            throw error
        }
        tx.end()
        if options.checkEveryCommit { try check() }
        return result
    }

    /// Runs `body` in a read-only transaction and returns what it returns. The transaction sees the
    /// database as of the last commit before the call, however long `body` runs. Writes inside it throw
    /// ``BTreeError/transactionReadOnly``.
    public func view<R>(_ body: (Transaction) throws -> R) throws -> R {
        let tx = try beginRead()
        defer { tx.close() }
        return try body(tx)
    }

    /// Starts a read-only transaction that lasts until you call ``Transaction/close()`` on it (or it is
    /// deallocated). Useful when a snapshot must outlive one closure, such as an iteration spread
    /// across calls; keep it short, since pages it can see are not reused while it is open.
    public func beginRead() throws -> Transaction {
        let (meta, map) = try state.withLock { state -> (Meta, MemoryMap) in
            guard !state.closed else { throw BTreeError.databaseClosed }
            state.readers[state.meta.txid, default: 0] += 1
            state.readTransactions += 1
            return (state.meta, state.map)
        }
        return Transaction(readingFrom: self, meta: meta, map: map)
    }

    /// Runs `body` together with the functions of other threads calling `batch` at about the same time,
    /// in one write transaction, and returns once that transaction has committed (bbolt's `Batch`).
    ///
    /// Fewer, larger commits make many concurrent small writers much faster, since each commit costs
    /// two fsyncs. If `body` throws, it is run again alone in a transaction of its own, and that run's
    /// error is what this call throws; so `body` may run more than once and must not depend on running
    /// once (it must be idempotent). See ``BTreeOptions/maxBatchSize`` and
    /// ``BTreeOptions/maxBatchDelay``.
    public func batch(_ body: @escaping @Sendable (Transaction) throws -> Void) throws {
        guard !options.readOnly else { throw BTreeError.databaseReadOnly }
        guard !writer.isHeldByCurrentThread else { throw BTreeError.nestedWriteTransaction }
        try batcher.submit(body, to: self)
    }

    /// Starts the write transaction; the caller holds the writer lock.
    private func beginWrite() throws -> Transaction {
        if let failure = writer.failure { throw BTreeError.writeFailed(reason: failure) }
        let (meta, map, oldestReader) = try state.withLock { state -> (Meta, MemoryMap, UInt64?) in
            guard !state.closed else { throw BTreeError.databaseClosed }
            return (state.meta, state.map, state.readers.keys.min())
        }
        var freelist = writer.freelist
        // Pages freed by transaction t were visible up to meta t - 1: reusable once every open reader
        // reads meta t or later.
        freelist.release(upTo: oldestReader ?? UInt64.max)
        return Transaction(
            writingTo: self, meta: meta, map: map, freelist: freelist, freelistPages: writer.freelistPages)
    }

    /// Unregisters a read transaction.
    func endRead(txid: UInt64) {
        state.withLock { state in
            if let count = state.readers[txid] {
                state.readers[txid] = count > 1 ? count - 1 : nil
            }
        }
    }

    // MARK: Maintenance

    /// Counters and sizes describing the database now.
    public func stats() -> BTreeStats {
        let fileSize = (try? file.size()) ?? 0
        return state.withLock { state in
            BTreeStats(
                pageSize: pageSize, pageCount: Int(state.meta.pageCount), freePages: state.freePages,
                pendingPages: state.pendingPages, fileSize: fileSize, mapSize: state.map.size,
                transactionID: state.meta.txid,
                openReadTransactions: state.readers.values.reduce(0, +),
                readTransactions: state.readTransactions, commits: state.commits, rollbacks: state.rollbacks,
                pagesWritten: state.pagesWritten, bytesWritten: state.bytesWritten, splits: state.splits,
                rebalances: state.rebalances, overflowPagesWritten: state.overflowPagesWritten,
                remaps: state.remaps)
        }
    }

    /// Walks every page of the database as of now (in a read-only transaction, so writers go on) and
    /// throws ``BTreeError/checkFailed(_:)`` listing every problem found: pages out of range, pages used
    /// twice (by two parents, or by the tree and the freelist), pages neither used nor free, damaged
    /// pages (checksums are always verified here), and keys out of order.
    public func check() throws {
        let problems = try view { tx in
            var checker = Checker(tx)
            return try checker.run()
        }
        guard problems.isEmpty else { throw BTreeError.checkFailed(problems) }
    }

    /// Flushes written pages to disk (`fdatasync`): what ``BTreeOptions/noSync`` skipped.
    public func sync() throws {
        try writer.lock()
        defer { writer.unlock() }
        guard !state.withLock({ $0.closed }) else { throw BTreeError.databaseClosed }
        try file.sync()
    }

    /// Closes the database: waits for the running write transaction, releases the file lock and closes
    /// the file. Read transactions still open keep working on their snapshot until they end; new ones
    /// throw ``BTreeError/databaseClosed``. Calling it again does nothing.
    public func close() throws {
        try writer.lock()
        defer { writer.unlock() }
        let wasClosed = state.withLock { state -> Bool in
            defer { state.closed = true }
            return state.closed
        }
        guard !wasClosed else { return }
        file.close()
    }
}
