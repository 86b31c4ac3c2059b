/// A branch or leaf page read into memory so that a write transaction can change it (bbolt's node).
///
/// A write transaction materializes the nodes on the path to every key it changes, and only those;
/// the rest of the tree stays in the map. If a node is materialized, so is its parent. Inserts make a
/// node grow past a page and deletes shrink it; at commit, ``Bucket`` merges nodes that fell below a
/// quarter page into a sibling (rebalance) and splits nodes that outgrew a page (spill), writing each
/// to newly allocated pages.
final class Node {
    // Properties marked `@exclusivity(unchecked)` skip the runtime's exclusive-access checks, which
    // were 15% of the instructions of a random fill. Safe because the object belongs to one
    // transaction, used by one thread at a time, and no method holds an inout access to such a
    // property across a call that reaches the same property.
    /// Whether the node is a leaf (keys and values) rather than a branch (keys and children).
    @exclusivity(unchecked) var isLeaf: Bool
    /// The page the node was read from, freed when the node is written; 0 for a new bucket's root, a
    /// root made at commit, or after the page was freed; a temporary id (``Node/temporaryIDBase`` and
    /// up) for a node made by splitting during the transaction, so that its parent can name it.
    @exclusivity(unchecked) var pageID: UInt64
    /// The key under which the parent refers to this node; empty for a root.
    @exclusivity(unchecked) var key: UnsafeRawBufferPointer
    /// The entries, decoded. While the node holds a page image (``image``), the entries are decoded from
    /// it on first use and the image is frozen from then on.
    @exclusivity(unchecked) private var storage: [NodeEntry]
    /// A leaf's page, copied into transaction memory and edited in place by puts and deletes that fit
    /// (LMDB's way), so that a leaf changed by a few writes is neither decoded nor re-encoded. Nil
    /// once the entries are in use.
    @exclusivity(unchecked) private(set) var image: UnsafeMutableRawPointer?
    /// The window on the map, to locate overflow values when an image is decoded.
    @exclusivity(unchecked) private var imageSpace: PageSpace?

    /// The keys in ascending order.
    var entries: [NodeEntry] {
        _read {
            if image != nil { decodeImage() }
            yield storage
        }
        _modify {
            if image != nil { decodeImage() }
            yield &storage
        }
    }

    /// Gives the node a page image to edit in place (see ``image``).
    func setImage(_ buffer: UnsafeMutableRawPointer, space: PageSpace) {
        image = buffer
        imageSpace = space
        storage = []
    }

    /// Decodes the image into entries, which point into it; the image is frozen from then on.
    func decodeImage() {
        guard let image, let space = imageSpace else { return }
        let page = Page(image)
        let count = page.count
        var decoded: [NodeEntry] = []
        decoded.reserveCapacity(count + 1)
        for i in 0..<count {
            let flags = page.leafFlags(i)
            if flags == LeafFlags.overflow {
                // Located and checked when the image was made.
                let first = page.leafOverflowPage(i)
                let value = UnsafeRawBufferPointer(
                    start: space.address(first) + Page.headerSize, count: page.leafValueSize(i))
                decoded.append(NodeEntry(key: page.leafKey(i), value: value, flags: flags, pageID: first))
            } else {
                decoded.append(NodeEntry(key: page.leafKey(i), value: page.leafInline(i), flags: flags))
            }
        }
        self.image = nil
        storage = decoded
    }

    /// How many keys the node holds.
    @inline(__always)
    var count: Int { image.map { Page($0).count } ?? storage.count }
    /// The parent, or nil for the bucket's root. The bucket's node list owns every node, so the
    /// parent outlives its children's use of this reference. (A parent finds its materialized
    /// children through its entries' ``NodeEntry/child`` links.)
    @exclusivity(unchecked) unowned(unsafe) var parent: Node?
    /// Set by a delete; rebalance then checks whether the node fell below the minimum fill.
    @exclusivity(unchecked) var unbalanced = false
    /// Set once the node has been written at commit.
    @exclusivity(unchecked) var spilled = false
    /// True while every insert since the node was read went to its end: then a split fills pages
    /// completely (sequential loads produce full pages) instead of halving.
    @exclusivity(unchecked) var appendOnly = true
    /// The materialized children, in key order (through the entries' links).
    var materializedChildren: [Node] {
        entries.compactMap { $0.child?.takeUnretainedValue() }
    }

    /// Set when rebalance merged the node away; it must not be touched again.
    @exclusivity(unchecked) var detached = false
    /// Bytes the node would take as one page, kept up to date by the edits made during a transaction
    /// (``insert(_:at:)``, ``remove(at:)``, ``replace(at:with:)``), to decide when to split early.
    @exclusivity(unchecked) var byteSize = Page.headerSize

    /// Leaf entries whose large value still has to be written to an overflow run at commit.
    @exclusivity(unchecked) var unwrittenOverflowValues = 0

    /// True while the entries are exactly the elements of the page `pageID` (read, not yet changed),
    /// so that searches can run over the page's bytes, which are denser than the entry array.
    @exclusivity(unchecked) var matchesPage = false

    /// Bit `i` set: the child of entry `i` is materialized (for the first 256 entries). Consulted only
    /// while ``matchesPage`` holds, when entry indices are page indices and never shift, so a search
    /// need not touch the entry array to learn that a child is still a page.
    @exclusivity(unchecked) private var materializedChildBits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Whether the child of entry `index` may be materialized (always true beyond the bitmap).
    @inline(__always)
    func mayHaveMaterializedChild(at index: Int) -> Bool {
        guard index < 256 else { return true }
        let word = withUnsafeBytes(of: materializedChildBits) {
            $0.load(fromByteOffset: (index >> 6) << 3, as: UInt64.self)
        }
        return word & (1 << UInt64(index & 63)) != 0
    }

    /// Records that the child of entry `index` has been materialized.
    func noteMaterializedChild(at index: Int) {
        guard index < 256 else { return }
        withUnsafeMutableBytes(of: &materializedChildBits) { bits in
            let offset = (index >> 6) << 3
            bits.storeBytes(
                of: bits.load(fromByteOffset: offset, as: UInt64.self) | (1 << UInt64(index & 63)),
                toByteOffset: offset,
                as: UInt64.self)
        }
    }

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
        storage = []
    }

    /// Reads branch or leaf page `id` (already validated by ``PageSpace/treePage(_:)``). Keys and
    /// inline values point into the map; overflow values are located and checked.
    static func read(_ page: Page, id: UInt64, space: PageSpace, parent: Node?) throws -> Node {
        let node = Node(isLeaf: page.isLeaf, pageID: id, parent: parent)
        let count = page.count
        if page.isLeaf {
            node.storage = try [NodeEntry](unsafeUninitializedCapacity: count + 1) { buffer, initialized in
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
            node.storage = [NodeEntry](unsafeUninitializedCapacity: count + 1) { buffer, initialized in
                for i in 0..<count {
                    (buffer.baseAddress! + i).initialize(
                        to: NodeEntry(key: page.branchKey(i), child: page.branchChild(i)))
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
        if let image { return PageSearch.leaf(Page(image), key) }
        return storage.withUnsafeBufferPointer { entries in
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
        if let image { return Page(image).usedLength(pageSize: Page.maximumPageSize) }
        var size = Page.headerSize
        for entry in storage { size += encodedSize(entry) }
        return size
    }

    /// The root of the node's tree.
    var root: Node {
        var node = self
        while let parent = node.parent { node = parent }
        return node
    }
}
