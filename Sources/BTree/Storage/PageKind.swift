/// The `kind` field of a page header: what the page holds. See doc/btree_format.md.
enum PageKind: UInt16 {
    /// An interior node: keys and child page ids.
    case branch = 0x01
    /// A leaf node: keys and values (inline, in overflow pages, or nested bucket headers).
    case leaf = 0x02
    /// One of the two meta pages (ids 0 and 1).
    case meta = 0x04
    /// The list of free page ids.
    case freelist = 0x10
    /// The first page of a run holding one large value.
    case overflow = 0x20

    /// The name `btree-tool pages` prints.
    var name: String {
        switch self {
        case .branch: "branch"
        case .leaf: "leaf"
        case .meta: "meta"
        case .freelist: "freelist"
        case .overflow: "overflow"
        }
    }
}
