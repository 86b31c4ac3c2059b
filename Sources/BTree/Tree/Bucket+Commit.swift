extension Bucket {
    /// Nested buckets opened in this transaction, in name order (so commits lay pages out the same
    /// way every run).
    private var sortedSubBuckets: [Bucket] {
        subBuckets.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
    }

    // MARK: Rebalance

    /// Merges nodes that deletes left below a quarter page (or with too few keys) into a sibling,
    /// removes empty nodes and collapses a root with a single child; then does the same in every
    /// nested bucket opened in this transaction. Runs at commit, before ``spill()``.
    func rebalance() throws {
        let candidates = nodes.filter { $0.unbalanced && !$0.detached }.sorted { $0.pageID < $1.pageID }
        for node in candidates where !node.detached {
            try rebalance(node)
        }
        if let root = rootNode, root.unbalanced, !root.detached { try rebalance(root) }
        for child in sortedSubBuckets { try child.rebalance() }
    }

    private func rebalance(_ node: Node) throws {
        guard node.unbalanced, !node.detached else { return }
        node.unbalanced = false
        tx.counters.rebalances += 1
        let threshold = tx.space.pageSize / 4
        if node.byteSize > threshold && node.count > (node.isLeaf ? 1 : 2) { return }

        guard let parent = node.parent else {
            try collapseRoot(node)
            return
        }

        if node.entries.isEmpty {
            if let index = parent.indexOfChild(pageID: node.pageID) { parent.remove(at: index) }
            discard(node, from: parent)
            try rebalance(parent)
            return
        }

        guard let index = parent.indexOfChild(pageID: node.pageID), parent.entries.count > 1 else { return }
        if index == 0 {
            // Pull the right sibling into this node.
            let target = try materialize(pageID: parent.entries[1].pageID, parent: parent, at: 1)
            try requireSameKind(node, target)
            adoptChildren(of: target, into: node)
            node.entries.append(contentsOf: target.entries)
            node.byteSize = node.encodedSize
            node.unwrittenOverflowValues += target.unwrittenOverflowValues
            node.matchesPage = false
            parent.remove(at: 1)
            discard(target, from: parent)
        } else {
            // Push this node into its left sibling.
            let target = try materialize(pageID: parent.entries[index - 1].pageID, parent: parent, at: index - 1)
            try requireSameKind(node, target)
            adoptChildren(of: node, into: target)
            target.entries.append(contentsOf: node.entries)
            target.byteSize = target.encodedSize
            target.unwrittenOverflowValues += node.unwrittenOverflowValues
            target.matchesPage = false
            parent.remove(at: index)
            discard(node, from: parent)
        }
        try rebalance(parent)
    }

    /// A root branch with one child is replaced by that child (repeatedly); a root branch left without
    /// children becomes an empty leaf.
    private func collapseRoot(_ root: Node) throws {
        while !root.isLeaf && root.entries.count == 1 {
            let child = try materialize(pageID: root.entries[0].pageID, parent: root, at: 0)
            root.isLeaf = child.isLeaf
            root.entries = child.entries
            root.byteSize = child.byteSize
            root.unwrittenOverflowValues = child.unwrittenOverflowValues
            root.matchesPage = false
            for grandchild in root.materializedChildren { grandchild.parent = root }
            if child.hasPage { tx.free(child.pageID, pages: 1) }
            child.pageID = 0
            child.detached = true
        }
        if !root.isLeaf && root.entries.isEmpty { root.isLeaf = true }
    }

    private func requireSameKind(_ a: Node, _ b: Node) throws {
        guard a.isLeaf == b.isLeaf else {
            throw tx.space.corruption(b.pageID, "sibling pages of different kinds: leaves at uneven depths")
        }
    }

    private func adoptChildren(of source: Node, into target: Node) {
        for child in source.materializedChildren { child.parent = target }
    }

    /// Drops a node merged away or emptied: out of its parent's children and the node table, its page
    /// freed.
    private func discard(_ node: Node, from parent: Node) {
        if node.hasPage { tx.free(node.pageID, pages: 1) }
        node.pageID = 0
        node.detached = true
    }

    // MARK: Spill

    /// Writes every changed node of this bucket, and of the nested buckets opened in this transaction,
    /// to newly allocated pages, splitting nodes larger than a page, and records each nested bucket's
    /// new root in this bucket. Afterwards ``header`` names the new root page.
    func spill() throws {
        for child in sortedSubBuckets {
            // Spill first: a nested bucket's change materializes the child's own nodes.
            try child.spill()
            guard child.rootNode != nil || child.headerDirty else { continue }
            let path = scratch
            let exact = try child.name.withUnsafeBytes { try path.search($0, in: self) }
            let leaf = try path.materializeLeaf(in: self)
            guard exact, leaf.entries[path.leafIndex].flags == LeafFlags.bucket else {
                throw tx.space.corruption(
                    header.root, "bucket \(Self.displayName(child.name)) vanished from its parent")
            }
            let bytes = tx.arena.allocate(BucketHeader.size)
            child.header.encode(to: bytes)
            leaf.entries[path.leafIndex].value = UnsafeRawBufferPointer(start: bytes, count: BucketHeader.size)
            leaf.matchesPage = false
            mutationCount &+= 1
        }
        guard let root = rootNode else { return }
        try spill(root)
        let top = root.root
        rootNode = top
        header.root = top.pageID
    }

    private func spill(_ node: Node) throws {
        guard !node.spilled else { return }
        // Children in key order (so sibling pages get neighbouring ids), found through the entries'
        // links; spilling a child rewrites the entry, so the list is taken first.
        if !node.isLeaf {
            for child in node.materializedChildren { try spill(child) }
        }

        let pageSize = tx.space.pageSize
        node.matchesPage = false
        if node.byteSize <= pageSize {
            // The common case: the node fits one page (no range array to build).
            try writePiece(node, 0..<node.count, piece: 0, pageSize: pageSize)
            node.spilled = true
            return
        }
        let ranges = node.splitRanges(pageSize: pageSize)
        if ranges.count > 1 && node.parent == nil {
            let newRoot = Node(isLeaf: false, pageID: 0, parent: nil)
            createdNodes.append(newRoot)
            node.parent = newRoot
        }
        if ranges.count > 1 { tx.counters.splits += ranges.count - 1 }
        for (piece, range) in ranges.enumerated() {
            try writePiece(node, range, piece: piece, pageSize: pageSize)
        }
        node.spilled = true
        // A root that split got a new parent above it, which must be written too.
        if let parent = node.parent, parent.pageID == 0, !parent.spilled,
            createdNodes.contains(where: { $0 === parent })
        {
            try spill(parent)
        }
    }

    /// Writes `node.entries[range]`, the `piece`-th page of the node, to a newly allocated page, and
    /// points the parent at it (replacing the node's old entry for the first piece).
    private func writePiece(_ node: Node, _ range: Range<Int>, piece: Int, pageSize: Int) throws {
        assert(node.byteSize == node.encodedSize, "node size bookkeeping is off")
        let tx = self.tx
        if node.hasPage && piece == 0 { tx.free(node.pageID, pages: 1) }
        if node.isLeaf { writeOverflowValues(of: node, in: range) }
        let id = tx.allocate(pages: 1)
        let dirty = tx.dirty
        if let (image, used) = node.finishImage(id: id, pageSize: pageSize) {
            // The image is written as it is.
            dirty.adopt(image, id: id, usedLength: used)
        } else {
            let used = node.write(range, id: id, to: dirty.buffer(id: id, pages: 1), pageSize: pageSize)
            dirty.setUsedLength(used)
        }
        if piece == 0 { node.pageID = id }
        guard let parent = node.parent, !range.isEmpty else { return }
        let firstKey = node.image != nil ? node.firstKey : node.entries[range.lowerBound].key
        let oldKey = piece == 0 && !node.key.isEmpty ? node.key : firstKey
        parent.putChild(oldKey: oldKey, newKey: firstKey, child: id)
        if piece == 0 { node.key = firstKey }
    }

    /// Writes the new large values of `node.entries[range]` to overflow runs and records the runs'
    /// page ids in the entries.
    private func writeOverflowValues(of node: Node, in range: Range<Int>) {
        // Counted as they are put (merges and splits move entries, so this is only a hint that some
        // may exist, never a miss).
        guard node.unwrittenOverflowValues > 0 else { return }
        for index in range where node.entries[index].flags == LeafFlags.overflow && node.entries[index].pageID == 0 {
            let value = node.entries[index].value
            let pages = tx.space.overflowPages(forValueLength: value.count)
            let id = tx.allocate(pages: pages)
            let buffer = tx.dirty.buffer(id: id, pages: pages)
            let length = pages * tx.space.pageSize
            buffer.initializeMemory(as: UInt8.self, repeating: 0, count: Page.headerSize)
            LittleEndian.store(PageKind.overflow.rawValue, buffer, 4)
            LittleEndian.store(UInt32(pages - 1), buffer, 8)
            LittleEndian.store(id, buffer, 16)
            if let source = value.baseAddress, value.count > 0 {
                (buffer + Page.headerSize).copyMemory(from: source, byteCount: value.count)
            }
            let end = Page.headerSize + value.count
            (buffer + end).initializeMemory(as: UInt8.self, repeating: 0, count: length - end)
            node.entries[index].pageID = id
            node.matchesPage = false
            tx.counters.overflowPagesWritten += pages
        }
    }
}
