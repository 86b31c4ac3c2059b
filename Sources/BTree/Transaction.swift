/// A consistent view of the database, read-only or read-write (bbolt's `Tx`).
///
/// You get one from ``BTreeDB/view(_:)`` (read-only), ``BTreeDB/update(_:)`` or ``BTreeDB/batch(_:)``
/// (read-write), or ``BTreeDB/beginRead()`` (read-only, closed by you). A read-only transaction sees the
/// database as of the last commit before it began, for as long as it lives, while writers go on
/// committing; a read-write transaction sees its own changes, and they become visible to others only
/// when it commits. The top level of the database holds only buckets; keys and values live in buckets.
///
/// A transaction, and the buckets and cursors it hands out, must be used by one thread at a time, and
/// not after it ends: they then throw ``BTreeError/transactionClosed``.
public final class Transaction {
    // Properties marked `@exclusivity(unchecked)` skip the runtime's exclusive-access checks, which
    // were 15% of the instructions of a random fill. Safe because the object belongs to one
    // transaction, used by one thread at a time, and no method holds an inout access to such a
    // property across a call that reaches the same property.
    /// The database the transaction belongs to.
    let db: BTreeDB
    /// Whether the transaction may write.
    public let isWritable: Bool
    /// The transaction id: for a read-only transaction, the id of the commit it sees; for a
    /// read-write transaction, the id its commit will have (one more).
    public let id: UInt64
    /// The map this transaction reads through; nil once it has ended.
    private(set) var map: MemoryMap?
    /// Window on the pages the transaction's snapshot has.
    let space: PageSpace
    /// The meta the transaction started from; a writer updates it (page count, root, freelist) as it
    /// commits.
    @exclusivity(unchecked) var meta: Meta
    /// False once the transaction has ended.
    private(set) var isOpen = true
    /// The writer's copy of the freelist.
    @exclusivity(unchecked) var freelist: Freelist
    /// Pages of the freelist run the starting meta names.
    let freelistPages: Int
    /// Memory for keys and values written in this transaction.
    let arena = Arena()
    /// Pages the commit writes.
    let dirty: DirtyPages
    /// What the transaction did, for the database's statistics.
    @exclusivity(unchecked) var counters = TransactionCounters()
    /// The root bucket of a writer (kept, so its changes persist between calls).
    private var writerRoot: Bucket?
    /// The next temporary id for a node split off during the transaction.
    @exclusivity(unchecked) private var nextTemporaryID = Node.temporaryIDBase

    /// A read-only transaction over `meta`, reading through `map`.
    init(readingFrom db: BTreeDB, meta: Meta, map: MemoryMap) {
        self.db = db
        isWritable = false
        id = meta.txid
        self.map = map
        self.meta = meta
        space = PageSpace(map: map, pageCount: meta.pageCount, verifyChecksums: db.options.verifyChecksums)
        freelist = Freelist()
        freelistPages = 0
        dirty = DirtyPages(pageSize: map.pageSize)
    }

    /// A read-write transaction starting from `meta`, with the writer's freelist.
    init(writingTo db: BTreeDB, meta: Meta, map: MemoryMap, freelist: Freelist, freelistPages: Int) {
        self.db = db
        isWritable = true
        id = meta.txid + 1
        self.map = map
        self.meta = meta
        space = PageSpace(map: map, pageCount: meta.pageCount, verifyChecksums: db.options.verifyChecksums)
        self.freelist = freelist
        self.freelistPages = freelistPages
        dirty = DirtyPages(pageSize: map.pageSize)
    }

    deinit {
        if isOpen && !isWritable { db.endRead(txid: id) }
    }

    /// Bytes of the database as this transaction sees it (its page count times the page size).
    public var size: Int64 { Int64(meta.pageCount) * Int64(space.pageSize) }

    /// Throws unless the transaction is still open.
    func ensureOpen() throws {
        guard isOpen else { throw BTreeError.transactionClosed }
    }

    /// The bucket at the top of the database, whose entries are the top-level buckets.
    func rootBucket() -> Bucket {
        if let writerRoot { return writerRoot }
        let root = Bucket(tx: self, name: [], header: meta.root)
        // Only writers keep it: a kept bucket would make a reference cycle (bucket -> transaction), and
        // a reader's buckets carry no changes to keep.
        if isWritable { writerRoot = root }
        return root
    }

    // MARK: Buckets

    /// The top-level bucket called `name`, or nil if there is none.
    public func bucket(_ name: String) throws -> Bucket? {
        try bucket(Array(name.utf8))
    }

    /// The top-level bucket called `name`, or nil if there is none.
    public func bucket(_ name: [UInt8]) throws -> Bucket? {
        try ensureOpen()
        return try rootBucket().bucket(name)
    }

    /// Creates the top-level bucket `name`. Throws ``BTreeError/bucketExists(name:)`` if it exists,
    /// ``BTreeError/transactionReadOnly`` in a read-only transaction.
    @discardableResult
    public func createBucket(_ name: String) throws -> Bucket {
        try createBucket(Array(name.utf8))
    }

    /// Creates the top-level bucket `name`; see ``createBucket(_:)-(String)``.
    @discardableResult
    public func createBucket(_ name: [UInt8]) throws -> Bucket {
        try ensureOpen()
        return try rootBucket().createBucket(name)
    }

    /// The top-level bucket `name`, created if it does not exist.
    @discardableResult
    public func createBucketIfNotExists(_ name: String) throws -> Bucket {
        try createBucketIfNotExists(Array(name.utf8))
    }

    /// The top-level bucket `name`, created if it does not exist.
    @discardableResult
    public func createBucketIfNotExists(_ name: [UInt8]) throws -> Bucket {
        try ensureOpen()
        return try rootBucket().createBucketIfNotExists(name)
    }

    /// Deletes the top-level bucket `name` and everything in it. Throws
    /// ``BTreeError/bucketNotFound(name:)`` if there is none.
    public func deleteBucket(_ name: String) throws {
        try deleteBucket(Array(name.utf8))
    }

    /// Deletes the top-level bucket `name`; see ``deleteBucket(_:)-(String)``.
    public func deleteBucket(_ name: [UInt8]) throws {
        try ensureOpen()
        try rootBucket().deleteBucket(name)
    }

    /// A cursor over the names of the top-level buckets (their values read as nil).
    public func cursor() throws -> Cursor {
        try ensureOpen()
        return try rootBucket().cursor()
    }

    // MARK: Ending

    /// Ends a read-only transaction from ``BTreeDB/beginRead()``, letting the writer reuse the pages
    /// it kept alive. Calling it again does nothing. Transactions handed to a closure end when the
    /// closure returns; calling `close()` on a read-write one does nothing.
    public func close() {
        guard isOpen, !isWritable else { return }
        end()
        db.endRead(txid: id)
    }

    /// Marks the transaction ended and lets go of its memory and map.
    func end() {
        isOpen = false
        writerRoot = nil
        arena.reset()
        map = nil
    }

    // MARK: Pages (write transactions)

    /// Allocates `pages` consecutive pages: from the freelist if it has such a run, else at the end of
    /// the file.
    func allocate(pages: Int) -> UInt64 {
        if let id = freelist.allocate(pages) { return id }
        let id = meta.pageCount
        meta.pageCount += UInt64(pages)
        return id
    }

    /// A fresh id for a node that has no page yet, never equal to a page id.
    func temporaryPageID() -> UInt64 {
        nextTemporaryID += 1
        return nextTemporaryID
    }

    /// Frees `pages` pages from `first` on: reusable once no reader that could see them is open.
    func free(_ first: UInt64, pages: Int) {
        freelist.free(txid: id, first: first, count: pages)
    }

    /// Writes every change to newly allocated pages and the freelist into ``dirty``, and the new root
    /// and freelist into ``meta``; the database then writes and syncs them (``BTreeDB``'s commit).
    func prepareCommit() throws {
        let root = rootBucket()
        try root.rebalance()
        try root.spill()
        meta.root = root.header
        meta.txid = id
        // The old freelist run is freed like any page; the new one lists every free and pending page
        // (pending ones are free after a restart, when no reader survives).
        free(meta.freelist, pages: freelistPages)
        let pages = Freelist.pagesNeeded(count: freelist.count, pageSize: space.pageSize)
        let listID = allocate(pages: pages)
        Freelist.write(
            freelist.allIDs(), id: listID, pages: pages, pageSize: space.pageSize,
            to: dirty.buffer(id: listID, pages: pages, isFreelist: true))
        meta.freelist = listID
    }

    /// Pages of the freelist run written by ``prepareCommit()``.
    var newFreelistPages: Int {
        dirty.runs.first { $0.isFreelist }?.pages ?? freelistPages
    }
}
