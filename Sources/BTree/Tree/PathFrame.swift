/// One level of a path from a bucket's root to a leaf: a page in the map or a materialized node, and
/// the index of the element the path goes through. A plain struct (the node reference is unmanaged;
/// the bucket's node table keeps nodes alive), so walking a path does no reference counting.
struct PathFrame {
    /// The page id of this level; 0 for a node that has no page yet.
    var pageID: UInt64
    /// The page, when the level is not materialized.
    var page: UnsafeRawPointer?
    /// The node, when it is.
    var node: Unmanaged<Node>?
    /// The element index at this level; may be -1 or `count` transiently while stepping.
    var index: Int
    /// Elements at this level (as of when the frame was made).
    var count: Int
    /// Whether the level is a leaf.
    var isLeaf: Bool
}
