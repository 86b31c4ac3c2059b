/// The shape of one bucket's tree, from ``Bucket/stats()`` (bbolt's `BucketStats`). Nested buckets
/// are counted in their parent's figures as well as their own.
public struct BucketStats: Sendable, Equatable, CustomStringConvertible {
    /// Keys holding plain values.
    public var keys = 0
    /// Nested buckets, at any depth.
    public var nestedBuckets = 0
    /// Levels of the tree (1 for a bucket whose root is a leaf).
    public var depth = 0
    /// Branch pages.
    public var branchPages = 0
    /// Leaf pages.
    public var leafPages = 0
    /// Pages of overflow runs (large values).
    public var overflowPages = 0
    /// Bytes of branch pages in use (headers, elements, keys).
    public var branchBytesInUse = 0
    /// Bytes of leaf pages in use (headers, elements, keys, inline values).
    public var leafBytesInUse = 0

    /// Empty statistics.
    public init() {}

    /// One line.
    public var description: String {
        "keys \(keys), nested buckets \(nestedBuckets), depth \(depth), branch pages \(branchPages) "
            + "(\(branchBytesInUse) bytes in use), leaf pages \(leafPages) (\(leafBytesInUse) bytes in use), "
            + "overflow pages \(overflowPages)"
    }
}
