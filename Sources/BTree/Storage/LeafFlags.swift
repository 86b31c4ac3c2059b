/// The `flags` field of a leaf element: how the bytes after its key are to be read.
enum LeafFlags {
    /// The value follows the key inline; its length is the element's value size.
    static let value: UInt16 = 0
    /// The key names a nested bucket; a 16-byte ``BucketHeader`` follows the key.
    static let bucket: UInt16 = 1
    /// The value lives in an overflow run; the run's first page id (8 bytes) follows the key and the
    /// element's value size is the value's length.
    static let overflow: UInt16 = 2
}
