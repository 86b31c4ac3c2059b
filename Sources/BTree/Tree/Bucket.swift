/// A collection of key/value pairs inside a transaction, sorted by key, possibly holding nested
/// buckets (bbolt's `Bucket`).
///
/// Get buckets from ``Transaction/bucket(_:)-(String)``, ``Transaction/createBucket(_:)-(String)`` or
/// the same methods on a bucket (for nested buckets). A `Bucket` belongs to its transaction: once the
/// transaction ends, every method throws ``BTreeError/transactionClosed``.
///
/// Keys are 1 to ``BTreeDB/maxKeySize`` bytes, compared bytewise; values are 0 to
/// ``BTreeDB/maxValueSize`` bytes. A key holds either a value or a nested bucket, never both.
///
/// What copies: ``get(_:)`` returns a new array; ``withValue(forKey:_:)-([UInt8],_)`` lends the
/// stored bytes without copying (straight from the memory map when the page is unchanged in this
/// transaction). ``put(_:_:)`` copies key and value into the transaction.
public final class Bucket {
    // Properties marked `@exclusivity(unchecked)` skip the runtime's exclusive-access checks, which
    // were 15% of the instructions of a random fill. Safe because the object belongs to one
    // transaction, used by one thread at a time, and no method holds an inout access to such a
    // property across a call that reaches the same property.
    /// The transaction the bucket belongs to.
    let tx: Transaction
    /// The bucket's name in its parent; empty for the root bucket.
    let name: [UInt8]
    /// Root page and sequence; the root is 0 for a bucket created in this transaction until commit.
    @exclusivity(unchecked) var header: BucketHeader
    /// The materialized root node, once a write touched the tree.
    @exclusivity(unchecked) var rootNode: Node?
    /// Every node materialized or created in this transaction (merged-away ones included, marked
    /// detached): the owner of the nodes, which point at each other without reference counting.
    @exclusivity(unchecked) var nodes: [Node] = []
    /// Nodes created by splits at commit, owned here so their unowned parent links stay valid.
    @exclusivity(unchecked) var createdNodes: [Node] = []
    /// Nested buckets opened in this (write) transaction, by name, so that repeated lookups share one
    /// object and its changes.
    var subBuckets: [[UInt8]: Bucket] = [:]
    /// The sequence changed, so the header must be rewritten in the parent even if no node did.
    @exclusivity(unchecked) var headerDirty = false
    /// Counts changes, so that cursors notice they must re-find their position.
    @exclusivity(unchecked) var mutationCount = 0
    /// Set when the bucket was deleted in this transaction.
    var isDeleted = false
    /// The path used by this bucket's own lookups and writes.
    private(set) lazy var scratch = TreePath()

    init(tx: Transaction, name: [UInt8], header: BucketHeader) {
        self.tx = tx
        self.name = name
        self.header = header
    }

    /// Whether this bucket belongs to a read-write transaction.
    public var isWritable: Bool { tx.isWritable }

    /// The bucket's sequence number: the value ``nextSequence()`` returned last (0 initially).
    public var sequence: UInt64 { header.sequence }

    // MARK: Checks

    /// Throws unless the transaction is open and the bucket was not deleted.
    @inline(__always)
    func ensureUsable() throws {
        guard tx.isOpen else { throw BTreeError.transactionClosed }
        guard !isDeleted else { throw BTreeError.bucketDeleted }
    }

    /// Throws unless the bucket may be changed.
    func ensureWritable() throws {
        try ensureUsable()
        guard tx.isWritable else { throw BTreeError.transactionReadOnly }
    }

    /// Throws unless `key` is a valid key: 1 to ``BTreeDB/maxKeySize`` bytes.
    func validateKey(_ key: UnsafeRawBufferPointer) throws {
        guard !key.isEmpty else { throw BTreeError.keyEmpty }
        let limit = tx.db.maxKeySize
        guard key.count <= limit else { throw BTreeError.keyTooLarge(size: key.count, limit: limit) }
    }

    // MARK: Reading

    /// The stored bytes and leaf flags under `key`, or nil. Without materialized nodes (always in read
    /// transactions) this is a binary search per level straight over the mapped pages.
    @inline(__always)
    func lookup(_ key: UnsafeRawBufferPointer) throws -> (value: UnsafeRawBufferPointer, flags: UInt16)? {
        guard rootNode == nil else {
            let path = scratch
            guard try path.search(key, in: self) else { return nil }
            let found = try path.current(in: self)
            return (found.value, found.flags)
        }
        let space = tx.space
        var pageID = header.root
        var depth = 0
        while true {
            space.prefetchHead(pageID)
            let page = try space.treePage(pageID)
            space.prefetchBody(page)
            if page.isLeaf {
                let (index, exact) = PageSearch.leaf(page, key)
                guard exact else { return nil }
                let flags = page.leafFlags(index)
                if flags == LeafFlags.overflow {
                    let value = try space.overflowValue(
                        first: page.leafOverflowPage(index), length: page.leafValueSize(index))
                    return (value, flags)
                }
                return (page.leafInline(index), flags)
            }
            guard page.isBranch else { throw space.corruption(pageID, "expected a branch or leaf page") }
            pageID = page.branchChild(PageSearch.branch(page, key))
            depth &+= 1
            guard depth < TreePath.maxDepth else {
                throw space.corruption(pageID, "tree deeper than \(TreePath.maxDepth) levels")
            }
        }
    }

    /// A copy of the value stored under `key`, or nil if there is none (or the key holds a nested
    /// bucket).
    public func get(_ key: [UInt8]) throws -> [UInt8]? {
        try withValue(forKey: key) { [UInt8]($0) }
    }

    /// Calls `body` with the value stored under `key`, without copying it, and returns what `body`
    /// returns; nil (without calling `body`) if there is no value (or the key holds a nested bucket).
    ///
    /// The buffer points into the memory map (or, for a value written in this transaction, into the
    /// transaction's memory). It is valid only during `body`; copy what you need to keep.
    public func withValue<R>(forKey key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try key.withUnsafeBytes { try withValue(forKey: $0, body) }
    }

    /// ``withValue(forKey:_:)-([UInt8],_)`` for a key given as raw bytes, valid during the call.
    public func withValue<R>(
        forKey key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        try ensureUsable()
        guard !key.isEmpty, let found = try lookup(key), found.flags != LeafFlags.bucket else { return nil }
        return try body(found.value)
    }

    /// A new cursor over this bucket's keys, positioned nowhere until one of its moves.
    public func cursor() throws -> Cursor {
        try ensureUsable()
        return Cursor(bucket: self)
    }

    /// Calls `body` with every key in order, and its value (nil for a nested bucket). Both are copies.
    /// Changing the bucket from `body` is allowed in a write transaction; iteration continues after the
    /// key last seen.
    public func forEach(_ body: (_ key: [UInt8], _ value: [UInt8]?) throws -> Void) throws {
        let cursor = try cursor()
        var entry = try cursor.first()
        while let (key, value) = entry {
            try body(key, value)
            entry = try cursor.next()
        }
    }

    // MARK: Nested buckets

    /// The nested bucket called `name`, or nil if there is none (or `name` holds a plain value).
    public func bucket(_ name: String) throws -> Bucket? {
        try bucket(Array(name.utf8))
    }

    /// The nested bucket called `name`, or nil if there is none (or `name` holds a plain value).
    public func bucket(_ name: [UInt8]) throws -> Bucket? {
        try ensureUsable()
        if let cached = subBuckets[name] { return cached }
        guard !name.isEmpty,
            let found = try name.withUnsafeBytes({ try lookup($0) }),
            found.flags == LeafFlags.bucket,
            let bytes = found.value.baseAddress
        else { return nil }
        let child = Bucket(tx: tx, name: name, header: BucketHeader(bytes))
        // Read transactions do not cache: the cache would make a reference cycle with the
        // transaction, and read-only buckets have no changes to share.
        if tx.isWritable { subBuckets[name] = child }
        return child
    }

    // MARK: Node table

    /// The node for page `pageID`, the child at entry `index` of `parent` (nil for the root), reading
    /// the page if it is not materialized yet (as a page image to edit in place, for a leaf when
    /// `asImage`) and linking it to its parent.
    func materialize(pageID: UInt64, parent: Node?, at index: Int, asImage: Bool = false) throws -> Node {
        if let parent {
            if let child = parent.entries[index].child { return child.takeUnretainedValue() }
        } else if let root = rootNode {
            return root
        }
        let page = try tx.space.treePage(pageID)
        guard page.isLeaf || page.isBranch else {
            throw tx.space.corruption(pageID, "expected a branch or leaf page")
        }
        let node =
            asImage && page.isLeaf
            ? try Node.image(of: page, id: pageID, space: tx.space, parent: parent, buffer: tx.dirty.unassignedPage())
            : try Node.read(page, id: pageID, space: tx.space, parent: parent)
        nodes.append(node)
        if let parent {
            node.key = parent.entries[index].key
            parent.entries[index].child = .passUnretained(node)
            parent.noteMaterializedChild(at: index)
        } else {
            rootNode = node
        }
        return node
    }
}
