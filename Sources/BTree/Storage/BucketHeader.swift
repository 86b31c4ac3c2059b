/// The 16 bytes that describe a bucket: stored after its name in the parent bucket's leaf (and, for
/// the root bucket, in the meta page). Little-endian `root` page id, then `sequence`.
struct BucketHeader: Equatable {
    /// Encoded size in bytes.
    static let size = 16

    /// The page id of the bucket's root node (a leaf or branch page); 0 while a bucket created in the
    /// current transaction has not been written yet.
    var root: UInt64
    /// The value ``Bucket/nextSequence()`` last returned.
    var sequence: UInt64

    init(root: UInt64, sequence: UInt64) {
        self.root = root
        self.sequence = sequence
    }

    /// Decodes the 16 bytes at `bytes` (which must hold at least that many).
    init(_ bytes: UnsafeRawPointer) {
        root = LittleEndian.u64(bytes, 0)
        sequence = LittleEndian.u64(bytes, 8)
    }

    /// Writes the 16 encoded bytes to `bytes`.
    func encode(to bytes: UnsafeMutableRawPointer) {
        LittleEndian.store(root, bytes, 0)
        LittleEndian.store(sequence, bytes, 8)
    }
}
