/// A path from a bucket's root to a position in a leaf: the machinery under every cursor and every
/// bucket lookup and change.
///
/// It keeps no reference to its bucket (each bucket owns one path for its own operations, which would
/// otherwise be a reference cycle), so every operation takes the bucket. Levels are pages in the map
/// until a write materializes them into ``Node``s; a page level never has a materialized child, because
/// materializing a node materializes its ancestors first.
final class TreePath {
    // Properties marked `@exclusivity(unchecked)` skip the runtime's exclusive-access checks, which
    // were 15% of the instructions of a random fill. Safe because the object belongs to one
    // transaction, used by one thread at a time, and no method holds an inout access to such a
    // property across a call that reaches the same property.
    /// The deepest tree a path follows; deeper means a damaged file (a cycle of child pointers).
    static let maxDepth = 64

    private let frames: UnsafeMutablePointer<PathFrame>
    /// Levels in the path; the last is the leaf once a search or step has succeeded.
    @exclusivity(unchecked) private(set) var depth = 0

    init() {
        frames = .allocate(capacity: TreePath.maxDepth)
    }

    deinit { frames.deallocate() }

    /// The element index in the leaf.
    var leafIndex: Int { frames[depth - 1].index }
    /// Elements in the leaf.
    var leafCount: Int { frames[depth - 1].count }

    /// Moves the leaf index, for cursors that re-find their position after a change.
    func setLeafIndex(_ index: Int) {
        frames[depth - 1].index = index
    }

    // MARK: Building the path

    @inline(__always)
    private func push(pageID: UInt64, space: PageSpace) throws {
        guard depth < TreePath.maxDepth else {
            throw space.corruption(pageID, "tree deeper than \(TreePath.maxDepth) levels")
        }
        space.prefetchHead(pageID)
        let page = try space.treePage(pageID)
        space.prefetchBody(page)
        let isLeaf = page.isLeaf
        guard isLeaf || page.isBranch else { throw space.corruption(pageID, "expected a branch or leaf page") }
        frames[depth] = PathFrame(
            pageID: pageID, page: page.base, node: nil, index: 0, count: page.count, isLeaf: isLeaf)
        depth &+= 1
    }

    private func push(node: Node, space: PageSpace) throws {
        guard depth < TreePath.maxDepth else {
            throw space.corruption(node.pageID, "tree deeper than \(TreePath.maxDepth) levels")
        }
        frames[depth] = PathFrame(
            pageID: node.pageID, page: nil, node: .passUnretained(node), index: 0, count: node.count,
            isLeaf: node.isLeaf)
        depth &+= 1
    }

    private func pushRoot(_ bucket: Bucket, _ space: PageSpace) throws {
        depth = 0
        if let root = bucket.rootNode {
            try push(node: root, space: space)
        } else {
            try push(pageID: bucket.header.root, space: space)
        }
    }

    /// Pushes the child the (branch) top level's index points at.
    @inline(__always)
    private func pushChild(_ bucket: Bucket, _ space: PageSpace) throws {
        let frame = frames[depth &- 1]
        guard frame.index >= 0 && frame.index < frame.count else {
            throw space.corruption(frame.pageID, "branch index \(frame.index) of \(frame.count)")
        }
        if let unmanaged = frame.node {
            let entry = unmanaged.takeUnretainedValue().entries[frame.index]
            if let child = entry.child {
                try push(node: child.takeUnretainedValue(), space: space)
            } else {
                try push(pageID: entry.pageID, space: space)
            }
        } else if let base = frame.page {
            try push(pageID: Page(base).branchChild(frame.index), space: space)
        }
    }

    /// Pushes levels below the top one down to a leaf, each at its first (or last) element.
    private func descend(toFirst: Bool, _ bucket: Bucket, _ space: PageSpace) throws {
        while !frames[depth &- 1].isLeaf {
            try pushChild(bucket, space)
            let top = depth &- 1
            frames[top].index = toFirst ? 0 : frames[top].count &- 1
        }
    }

    // MARK: Positioning

    /// Descends to the leaf that holds, or would hold, `key`; the leaf index is the first element whose
    /// key is `>= key` (possibly the leaf's count). Returns whether that element's key equals `key`.
    func search(_ key: UnsafeRawBufferPointer, in bucket: Bucket) throws -> Bool {
        let space = bucket.tx.space
        try pushRoot(bucket, space)
        while true {
            let top = depth &- 1
            let frame = frames[top]
            if frame.isLeaf {
                let found: (index: Int, exact: Bool)
                if let unmanaged = frame.node {
                    let node = unmanaged.takeUnretainedValue()
                    found = node.matchesPage ? PageSearch.leaf(Page(space.address(node.pageID)), key) : node.search(key)
                } else if let base = frame.page {
                    found = PageSearch.leaf(Page(base), key)
                } else {
                    found = (0, false)
                }
                frames[top].index = found.index
                return found.exact
            }
            if let unmanaged = frame.node {
                let node = unmanaged.takeUnretainedValue()
                if node.matchesPage {
                    // An unchanged node searches its page, where the keys sit close together, and
                    // looks at its entry array only if the child there may be materialized.
                    let page = Page(space.address(node.pageID))
                    let index = PageSearch.branch(page, key)
                    frames[top].index = index
                    if node.mayHaveMaterializedChild(at: index), let child = node.entries[index].child {
                        try push(node: child.takeUnretainedValue(), space: space)
                    } else {
                        try push(pageID: page.branchChild(index), space: space)
                    }
                    continue
                }
                frames[top].index = node.childIndex(for: key)
            } else if let base = frame.page {
                frames[top].index = PageSearch.branch(Page(base), key)
            }
            try pushChild(bucket, space)
        }
    }

    /// Moves to the first entry of the bucket; false if it is empty.
    func first(in bucket: Bucket) throws -> Bool {
        let space = bucket.tx.space
        try pushRoot(bucket, space)
        frames[0].index = 0
        try descend(toFirst: true, bucket, space)
        if frames[depth &- 1].count > 0 { return true }
        return try stepForward(in: bucket)
    }

    /// Moves to the last entry of the bucket; false if it is empty.
    func last(in bucket: Bucket) throws -> Bool {
        let space = bucket.tx.space
        try pushRoot(bucket, space)
        frames[0].index = frames[0].count - 1
        try descend(toFirst: false, bucket, space)
        if frames[depth &- 1].count > 0 { return true }
        return try stepBackward(in: bucket)
    }

    /// Moves to the entry after the current leaf index, skipping empty leaves; false at the end.
    func stepForward(in bucket: Bucket) throws -> Bool {
        let space = bucket.tx.space
        while true {
            var level = depth &- 1
            while level >= 0 && frames[level].index &+ 1 >= frames[level].count { level &-= 1 }
            if level < 0 { return false }
            frames[level].index &+= 1
            depth = level &+ 1
            try descend(toFirst: true, bucket, space)
            if frames[depth &- 1].count > 0 { return true }
        }
    }

    /// Moves to the entry before the current leaf index, skipping empty leaves; false at the start.
    func stepBackward(in bucket: Bucket) throws -> Bool {
        let space = bucket.tx.space
        while true {
            var level = depth &- 1
            while level >= 0 && frames[level].index <= 0 { level &-= 1 }
            if level < 0 { return false }
            frames[level].index = min(frames[level].index, frames[level].count) &- 1
            depth = level &+ 1
            try descend(toFirst: false, bucket, space)
            if frames[depth &- 1].count > 0 { return true }
        }
    }

    // MARK: The current entry

    /// The key, value and leaf flags at the current leaf index, which must be an element. For an
    /// overflow value, the value is located (and checked) in the map.
    func current(in bucket: Bucket) throws -> (
        key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: UInt16
    ) {
        let frame = frames[depth &- 1]
        if let unmanaged = frame.node {
            let node = unmanaged.takeUnretainedValue()
            if node.image != nil { return node.imageElement(frame.index, space: bucket.tx.space) }
            let entry = node.entries[frame.index]
            return (entry.key, entry.value, entry.flags)
        }
        guard let base = frame.page else { throw bucket.tx.space.corruption(frame.pageID, "path level without a page") }
        let page = Page(base)
        let index = frame.index
        let flags = page.leafFlags(index)
        if flags == LeafFlags.overflow {
            let value = try bucket.tx.space.overflowValue(
                first: page.leafOverflowPage(index), length: page.leafValueSize(index))
            return (page.leafKey(index), value, flags)
        }
        return (page.leafKey(index), page.leafInline(index), flags)
    }

    /// Materializes every level of the path (top down) and returns the leaf node, so that a write can
    /// change it. The path's levels point at the nodes afterwards.
    func materializeLeaf(in bucket: Bucket) throws -> Node {
        var parent: Node?
        for level in 0..<depth {
            if let node = frames[level].node {
                parent = node.takeUnretainedValue()
                continue
            }
            let node: Node
            // The leaf becomes a page image, edited in place by the write that follows.
            let asImage = level == depth - 1
            if let parent {
                node = try bucket.materialize(
                    pageID: frames[level].pageID, parent: parent, at: frames[level - 1].index, asImage: asImage)
            } else {
                node = try bucket.materialize(pageID: frames[level].pageID, parent: nil, at: 0, asImage: asImage)
            }
            frames[level].node = .passUnretained(node)
            frames[level].page = nil
            parent = node
        }
        guard let leaf = parent, leaf.isLeaf else {
            throw bucket.tx.space.corruption(frames[max(depth - 1, 0)].pageID, "path does not end in a leaf")
        }
        return leaf
    }
}
