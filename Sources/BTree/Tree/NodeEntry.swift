/// One key of an in-memory ``Node``, with its value (leaf) or child (branch).
///
/// Keys and values point into the map (bytes of the page the node was read from, which no one
/// overwrites while the transaction runs) or into the transaction's ``Arena``: entries own no memory,
/// so a node is one array of plain structs.
struct NodeEntry {
    /// The key.
    var key: UnsafeRawBufferPointer
    /// Leaf: the value (for an overflow value, its bytes in the map or the arena; for a bucket, the
    /// 16-byte header). Branch: unused, empty.
    var value: UnsafeRawBufferPointer
    /// Branch: the child page id. Leaf with ``LeafFlags/overflow``: the first page of the run that
    /// holds the value on disk, or 0 while the value is new and not yet written.
    var pageID: UInt64
    /// Leaf: ``LeafFlags``. Branch: 0.
    var flags: UInt16
    /// Branch: the child's node once it is materialized (owned by the bucket's node table), so that
    /// descending through materialized nodes needs no table lookup.
    var child: Unmanaged<Node>?

    /// A leaf entry.
    init(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: UInt16, pageID: UInt64 = 0) {
        self.key = key
        self.value = value
        self.pageID = pageID
        self.flags = flags
    }

    /// A branch entry pointing at `child`.
    init(key: UnsafeRawBufferPointer, child: UInt64, node: Node? = nil) {
        self.key = key
        value = UnsafeRawBufferPointer(start: key.baseAddress, count: 0)
        pageID = child
        flags = 0
        self.child = node.map { .passUnretained($0) }
    }

    /// Bytes stored after the key in a leaf page.
    @inline(__always)
    var inlineSize: Int { flags == LeafFlags.overflow ? 8 : value.count }
}
