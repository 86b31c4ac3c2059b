/// What a page is used for, as ``Checker`` found it.
enum PageUse: Equatable {
    /// Not reached yet.
    case unknown
    /// A meta page.
    case meta
    /// Part of the freelist run.
    case freelist
    /// Listed as free.
    case free
    /// A branch page of the bucket named by the path.
    case branch(bucket: String)
    /// A leaf page of the bucket.
    case leaf(bucket: String)
    /// Page `index` of an overflow run holding a value of the bucket.
    case overflow(bucket: String, index: Int)
}
