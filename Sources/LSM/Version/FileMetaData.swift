/// A table file in some level, as the manifest records it.
struct FileMetaData: Sendable, Equatable {
    /// The file's number: its name is `NNNNNN.ldb`.
    var number: UInt64
    /// The file's size in bytes.
    var size: UInt64
    /// The smallest internal key in the file (at least 8 bytes once decoded).
    var smallest: [UInt8]
    /// The largest internal key in the file (at least 8 bytes once decoded).
    var largest: [UInt8]
}
