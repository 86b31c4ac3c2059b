/// A branch or leaf page read into memory so that a write transaction can change it (bbolt's node).
///
/// A write transaction materializes the nodes on the path to every key it changes, and only those;
/// the rest of the tree stays in the map. If a node is materialized, so is its parent. Inserts make a
/// node grow past a page and deletes shrink it; at commit, ``Bucket`` merges nodes that fell below a
/// quarter page into a sibling (rebalance) and splits nodes that outgrew a page (spill), writing each
/// to newly allocated pages.
final class Node {
    /// Whether the node is a leaf (keys and values) rather than a branch (keys and children).
    var isLeaf: Bool
    /// The page the node was read from, freed when the node is written; 0 for a new bucket's root, a
    /// root made at commit, or after the page was freed; a temporary id (``Node/temporaryIDBase`` and
    /// up) for a node made by splitting during the transaction, so that its parent can name it.
    var pageID: UInt64
    /// The key under which the parent refers to this node; empty for a root.
    var key: UnsafeRawBufferPointer
    /// The keys in ascending order.
    var entries: [NodeEntry]
    /// The parent, or nil for the bucket's root. The bucket's node table owns every node, so the
    /// parent outlives its children's use of this reference.
    unowned(unsafe) var parent: Node?
    /// Materialized children, in no particular order.
    var children: [Node] = []
    /// Set by a delete; rebalance then checks whether the node fell below the minimum fill.
    var unbalanced = false
    /// Set once the node has been written at commit.
    var spilled = false
    /// True while every insert since the node was read went to its end: then a split fills pages
    /// completely (sequential loads produce full pages) instead of halving.
    var appendOnly = true
    /// Set when rebalance merged the node away; it must not be touched again.
    var detached = false
    /// Bytes the node would take as one page, kept up to date by the edits made during a transaction
    /// (``insert(_:at:)``, ``remove(at:)``, ``replace(at:with:)``), to decide when to split early.
    var byteSize = Page.headerSize

    /// Leaf entries whose large value still has to be written to an overflow run at commit.
    var unwrittenOverflowValues = 0

    /// True while the entries are exactly the elements of the page `pageID` (read, not yet changed),
    /// so that searches can run over the page's bytes, which are denser than the entry array.
    var matchesPage = false

    /// Temporary ids start here; real page ids are always smaller (they are below the page count).
    static let temporaryIDBase: UInt64 = 1 << 63

    /// Whether the node was read from a page (which must be freed when the node is written).
    var hasPage: Bool { pageID != 0 && pageID < Node.temporaryIDBase }

    /// An empty node.
    init(isLeaf: Bool, pageID: UInt64, parent: Node?) {
        self.isLeaf = isLeaf
        self.pageID = pageID
        self.parent = parent
        key = UnsafeRawBufferPointer(start: nil, count: 0)
        entries = []
    }

    /// Reads branch or leaf page `id` (already validated by ``PageSpace/treePage(_:)``). Keys and
    /// inline values point into the map; overflow values are located and checked.
    static func read(_ page: Page, id: UInt64, space: PageSpace, parent: Node?) throws -> Node {
        let node = Node(isLeaf: page.isLeaf, pageID: id, parent: parent)
        let count = page.count
        if page.isLeaf {
            node.entries = try [NodeEntry](unsafeUninitializedCapacity: count + 1) { buffer, initialized in
                for i in 0..<count {
                    let flags = page.leafFlags(i)
                    let entry: NodeEntry
                    if flags == LeafFlags.overflow {
                        let first = page.leafOverflowPage(i)
                        let value = try space.overflowValue(first: first, length: page.leafValueSize(i))
                        entry = NodeEntry(key: page.leafKey(i), value: value, flags: flags, pageID: first)
                    } else {
                        entry = NodeEntry(key: page.leafKey(i), value: page.leafInline(i), flags: flags)
                    }
                    (buffer.baseAddress! + i).initialize(to: entry)
                    initialized = i + 1
                }
            }
        } else {
            node.entries = [NodeEntry](unsafeUninitializedCapacity: count + 1) { buffer, initialized in
                for i in 0..<count {
                    (buffer.baseAddress! + i).initialize(to: NodeEntry(key: page.branchKey(i), child: page.branchChild(i)))
                }
                initialized = count
            }
        }
        node.byteSize = node.encodedSize
        node.matchesPage = true
        return node
    }

    /// The index of the first entry whose key is `>= key`, and whether that entry's key equals it.
    @inline(__always)
    func search(_ key: UnsafeRawBufferPointer) -> (index: Int, exact: Bool) {
        entries.withUnsafeBufferPointer { entries in
            var low = 0
            var high = entries.count
            while low < high {
                let middle = (low &+ high) &>> 1
                let order = compareBytes(entries[middle].key, key)
                if order == 0 { return (middle, true) }
                if order < 0 { low = middle &+ 1 } else { high = middle }
            }
            return (low, false)
        }
    }

    /// For a branch: the index of the child whose range holds `key` (the last entry whose key is
    /// `<= key`, or the first entry).
    @inline(__always)
    func childIndex(for key: UnsafeRawBufferPointer) -> Int {
        let (index, exact) = search(key)
        return exact ? index : max(index - 1, 0)
    }

    /// Inserts `entry` at `index`, noting whether the node still only grows at its end.
    func insert(_ entry: NodeEntry, at index: Int) {
        if index < entries.count { appendOnly = false }
        if entry.flags == LeafFlags.overflow && entry.pageID == 0 { unwrittenOverflowValues += 1 }
        matchesPage = false
        byteSize += encodedSize(entry)
        entries.insert(entry, at: index)
    }

    /// Replaces the entry at `index`.
    func replace(at index: Int, with entry: NodeEntry) {
        matchesPage = false
        if entry.flags == LeafFlags.overflow && entry.pageID == 0 { unwrittenOverflowValues += 1 }
        byteSize += encodedSize(entry) - encodedSize(entries[index])
        entries[index] = entry
    }

    /// Removes the entry at `index` and marks the node for rebalancing.
    func remove(at index: Int) {
        matchesPage = false
        byteSize -= encodedSize(entries[index])
        entries.remove(at: index)
        unbalanced = true
    }

    /// For a branch being written at commit: replaces the entry keyed `oldKey` by one keyed `newKey`
    /// pointing at `child`, or inserts that entry if there is no `oldKey`.
    func putChild(oldKey: UnsafeRawBufferPointer, newKey: UnsafeRawBufferPointer, child: UInt64) {
        // The entry no longer names a materialized node: the child has been written.
        let (index, exact) = search(oldKey)
        let entry = NodeEntry(key: newKey, child: child)
        if exact {
            replace(at: index, with: entry)
        } else {
            insert(entry, at: index)
        }
    }

    /// The index of the entry pointing at child page `pageID`, or nil.
    func indexOfChild(pageID: UInt64) -> Int? {
        entries.firstIndex { $0.pageID == pageID }
    }

    /// Bytes of the element and data of `entry` in a page of this node's kind.
    @inline(__always)
    func encodedSize(_ entry: NodeEntry) -> Int {
        isLeaf
            ? Page.leafElementSize + entry.key.count + entry.inlineSize
            : Page.branchElementSize + entry.key.count
    }

    /// Bytes the node needs as one page: header plus every element.
    var encodedSize: Int {
        var size = Page.headerSize
        for entry in entries { size += encodedSize(entry) }
        return size
    }

    /// The root of the node's tree.
    var root: Node {
        var node = self
        while let parent = node.parent { node = parent }
        return node
    }
}
