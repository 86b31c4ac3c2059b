extension Bucket {
    /// Stores `value` under `key`, replacing any value there. Throws ``BTreeError/incompatibleValue``
    /// if `key` names a nested bucket, and the key and value size errors beyond the limits. Key and
    /// value are copied.
    public func put(_ key: [UInt8], _ value: [UInt8]) throws {
        try key.withUnsafeBytes { k in try value.withUnsafeBytes { v in try put(key: k, value: v) } }
    }

    /// ``put(_:_:)`` with key and value given as raw bytes, copied before the call returns.
    public func put(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws {
        try ensureWritable()
        try validateKey(key)
        let valueLimit = BTreeDB.maxValueSize
        guard value.count <= valueLimit else { throw BTreeError.valueTooLarge(size: value.count, limit: valueLimit) }
        let path = scratch
        let exact = try path.search(key, in: self)
        let leaf = try path.materializeLeaf(in: self)
        let index = path.leafIndex
        let inline = Page.leafElementSize + key.count + value.count <= tx.db.maxInlineElementSize
        if inline && leaf.image != nil {
            if try putInImage(leaf, index: index, exact: exact, key: key, value: value) {
                mutationCount &+= 1
                return
            }
        }
        let flags = inline ? LeafFlags.value : LeafFlags.overflow
        let storedValue = tx.arena.copy(value)
        if exact {
            let old = leaf.entries[index]
            guard old.flags != LeafFlags.bucket else { throw BTreeError.incompatibleValue }
            freeOverflow(of: old)
            leaf.replace(at: index, with: NodeEntry(key: old.key, value: storedValue, flags: flags))
        } else {
            leaf.insert(NodeEntry(key: tx.arena.copy(key), value: storedValue, flags: flags), at: index)
        }
        mutationCount &+= 1
        splitIfOversized(leaf)
    }

    /// Puts an inline value straight into a leaf's page image; false if it does not fit there (the
    /// caller then goes through the decoded entries).
    private func putInImage(
        _ leaf: Node, index: Int, exact: Bool, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer
    ) throws -> Bool {
        let pageSize = tx.space.pageSize
        if exact {
            let old = leaf.imageElement(index, space: tx.space)
            guard old.flags != LeafFlags.bucket else { throw BTreeError.incompatibleValue }
            let oldInline = old.flags == LeafFlags.overflow ? 8 : old.value.count
            if old.flags == LeafFlags.value && old.value.count == value.count {
                // Same size: the new value takes the old one's bytes, nothing moves.
                leaf.imageOverwriteValue(at: index, with: value)
                return true
            }
            guard leaf.byteSize - oldInline + value.count <= pageSize else { return false }
            if let run = leaf.imageOverflow(index) {
                tx.free(run.first, pages: tx.space.overflowPages(forValueLength: run.length))
            }
            leaf.imageRemove(at: index)
            leaf.unbalanced = false
        }
        return leaf.imageInsert(at: index, key: key, value: value, flags: LeafFlags.value, pageSize: pageSize)
    }

    /// Removes `key` and its value; does nothing if the key is absent. Throws
    /// ``BTreeError/incompatibleValue`` if `key` names a nested bucket (use ``deleteBucket(_:)-(String)``).
    public func delete(_ key: [UInt8]) throws {
        try key.withUnsafeBytes { try delete(key: $0) }
    }

    /// ``delete(_:)`` with the key given as raw bytes.
    public func delete(key: UnsafeRawBufferPointer) throws {
        try ensureWritable()
        try validateKey(key)
        let path = scratch
        guard try path.search(key, in: self) else { return }
        try removeEntry(at: path)
    }

    /// Removes the entry the path points at (which must hold a plain value).
    func removeEntry(at path: TreePath) throws {
        let leaf = try path.materializeLeaf(in: self)
        let index = path.leafIndex
        if leaf.image != nil {
            let element = leaf.imageElement(index, space: tx.space)
            guard element.flags != LeafFlags.bucket else { throw BTreeError.incompatibleValue }
            if let run = leaf.imageOverflow(index) {
                tx.free(run.first, pages: tx.space.overflowPages(forValueLength: run.length))
            }
            leaf.imageRemove(at: index)
            mutationCount &+= 1
            return
        }
        let entry = leaf.entries[index]
        guard entry.flags != LeafFlags.bucket else { throw BTreeError.incompatibleValue }
        freeOverflow(of: entry)
        leaf.remove(at: index)
        mutationCount &+= 1
    }

    /// Frees the overflow run an entry's value occupies on disk, if any.
    func freeOverflow(of entry: NodeEntry) {
        guard entry.flags == LeafFlags.overflow, entry.pageID != 0 else { return }
        tx.free(entry.pageID, pages: tx.space.overflowPages(forValueLength: entry.value.count))
    }

    /// Increments the bucket's sequence number and returns it: a cheap unique id within the bucket
    /// (1, 2, 3, ...), persisted with the transaction.
    public func nextSequence() throws -> UInt64 {
        try ensureWritable()
        guard header.sequence < UInt64.max else { throw BTreeError.sequenceOverflow }
        header.sequence += 1
        headerDirty = true
        return header.sequence
    }

    /// Sets the bucket's sequence number.
    public func setSequence(_ value: UInt64) throws {
        try ensureWritable()
        header.sequence = value
        headerDirty = true
    }

    // MARK: Nested buckets

    /// Creates the nested bucket `name`. Throws ``BTreeError/bucketExists(name:)`` if it exists and
    /// ``BTreeError/incompatibleValue`` if `name` holds a plain value.
    @discardableResult
    public func createBucket(_ name: String) throws -> Bucket {
        try createBucket(Array(name.utf8))
    }

    /// Creates the nested bucket `name`; see ``createBucket(_:)-(String)``.
    @discardableResult
    public func createBucket(_ name: [UInt8]) throws -> Bucket {
        try ensureWritable()
        let (bucket, created) = try openOrCreateBucket(name)
        guard created else { throw BTreeError.bucketExists(name: Self.displayName(name)) }
        return bucket
    }

    /// The nested bucket `name`, created if missing. Throws ``BTreeError/incompatibleValue`` if `name`
    /// holds a plain value.
    @discardableResult
    public func createBucketIfNotExists(_ name: String) throws -> Bucket {
        try createBucketIfNotExists(Array(name.utf8))
    }

    /// The nested bucket `name`, created if missing; see ``createBucketIfNotExists(_:)-(String)``.
    @discardableResult
    public func createBucketIfNotExists(_ name: [UInt8]) throws -> Bucket {
        try ensureWritable()
        return try openOrCreateBucket(name).bucket
    }

    private func openOrCreateBucket(_ name: [UInt8]) throws -> (bucket: Bucket, created: Bool) {
        try name.withUnsafeBytes { try validateKey($0) }
        if let cached = subBuckets[name] { return (cached, false) }
        let path = scratch
        let exact = try name.withUnsafeBytes { try path.search($0, in: self) }
        if exact {
            let found = try path.current(in: self)
            guard found.flags == LeafFlags.bucket, let bytes = found.value.baseAddress else {
                throw BTreeError.incompatibleValue
            }
            let child = Bucket(tx: tx, name: name, header: BucketHeader(bytes))
            subBuckets[name] = child
            return (child, false)
        }
        let leaf = try path.materializeLeaf(in: self)
        let header = tx.arena.allocate(BucketHeader.size)
        BucketHeader(root: 0, sequence: 0).encode(to: header)
        let key = name.withUnsafeBytes { tx.arena.copy($0) }
        leaf.insert(
            NodeEntry(
                key: key, value: UnsafeRawBufferPointer(start: header, count: BucketHeader.size),
                flags: LeafFlags.bucket),
            at: path.leafIndex)
        mutationCount &+= 1
        splitIfOversized(leaf)
        let child = Bucket(tx: tx, name: name, header: BucketHeader(root: 0, sequence: 0))
        child.rootNode = Node(isLeaf: true, pageID: 0, parent: nil)
        child.headerDirty = true
        subBuckets[name] = child
        return (child, true)
    }

    /// Deletes the nested bucket `name` with everything in it, nested buckets included. Throws
    /// ``BTreeError/bucketNotFound(name:)`` if there is none and ``BTreeError/incompatibleValue`` if
    /// `name` holds a plain value. `Bucket` objects for it (or inside it) throw
    /// ``BTreeError/bucketDeleted`` afterwards.
    public func deleteBucket(_ name: String) throws {
        try deleteBucket(Array(name.utf8))
    }

    /// Deletes the nested bucket `name`; see ``deleteBucket(_:)-(String)``.
    public func deleteBucket(_ name: [UInt8]) throws {
        try ensureWritable()
        try name.withUnsafeBytes { try validateKey($0) }
        let path = scratch
        guard try name.withUnsafeBytes({ try path.search($0, in: self) }) else {
            throw BTreeError.bucketNotFound(name: Self.displayName(name))
        }
        let found = try path.current(in: self)
        guard found.flags == LeafFlags.bucket, let bytes = found.value.baseAddress else {
            throw BTreeError.incompatibleValue
        }
        let child = subBuckets[name] ?? Bucket(tx: tx, name: name, header: BucketHeader(bytes))
        try child.freeAllPages()
        child.markDeleted()
        subBuckets[name] = nil
        let leaf = try path.materializeLeaf(in: self)
        leaf.remove(at: path.leafIndex)
        mutationCount &+= 1
    }

    /// Marks this bucket and every nested bucket object opened from it as deleted.
    private func markDeleted() {
        isDeleted = true
        for child in subBuckets.values { child.markDeleted() }
        subBuckets = [:]
        nodes = []
        rootNode = nil
    }

    /// Frees every page of this bucket's tree, its overflow runs and its nested buckets, preferring
    /// materialized nodes over the pages they were read from (a changed node no longer refers to what
    /// its page did).
    func freeAllPages() throws {
        if let root = rootNode {
            try freeTree(node: root, depth: 0)
        } else if header.root != 0 {
            try freeTree(pageID: header.root, depth: 0)
        }
    }

    private func freeTree(node: Node, depth: Int) throws {
        guard depth < TreePath.maxDepth else { throw tx.space.corruption(node.pageID, "tree too deep") }
        if node.hasPage { tx.free(node.pageID, pages: 1) }
        for entry in node.entries {
            if node.isLeaf {
                if entry.flags == LeafFlags.bucket, let bytes = entry.value.baseAddress {
                    try freeNestedBucket(name: entry.key, header: BucketHeader(bytes))
                } else {
                    freeOverflow(of: entry)
                }
            } else if let child = entry.child {
                try freeTree(node: child.takeUnretainedValue(), depth: depth + 1)
            } else {
                try freeTree(pageID: entry.pageID, depth: depth + 1)
            }
        }
    }

    private func freeTree(pageID: UInt64, depth: Int) throws {
        guard depth < TreePath.maxDepth else { throw tx.space.corruption(pageID, "tree too deep") }
        let page = try tx.space.treePage(pageID)
        tx.free(pageID, pages: 1)
        if page.isLeaf {
            for i in 0..<page.count {
                switch page.leafFlags(i) {
                case LeafFlags.bucket:
                    if let bytes = page.leafInline(i).baseAddress {
                        try freeNestedBucket(name: page.leafKey(i), header: BucketHeader(bytes))
                    }
                case LeafFlags.overflow:
                    let first = page.leafOverflowPage(i)
                    let length = page.leafValueSize(i)
                    _ = try tx.space.overflowValue(first: first, length: length)
                    tx.free(first, pages: tx.space.overflowPages(forValueLength: length))
                default:
                    break
                }
            }
        } else if page.isBranch {
            for i in 0..<page.count { try freeTree(pageID: page.branchChild(i), depth: depth + 1) }
        } else {
            throw tx.space.corruption(pageID, "expected a branch or leaf page")
        }
    }

    private func freeNestedBucket(name: UnsafeRawBufferPointer, header: BucketHeader) throws {
        let key = [UInt8](name)
        let child = subBuckets[key] ?? Bucket(tx: tx, name: key, header: header)
        try child.freeAllPages()
    }

    /// A bucket name for error messages: UTF-8 text when it is, else hex.
    static func displayName(_ name: [UInt8]) -> String {
        if let text = String(validating: name, as: UTF8.self), text.unicodeScalars.allSatisfy({ $0.value >= 0x20 }) {
            return "\"\(text)\""
        }
        return "0x"
            + name.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            .joined()
    }
}
