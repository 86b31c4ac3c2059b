/// What the version set knows about one table file: its number (naming `NNNNNN.ldb`), its size in
/// bytes, and the smallest and largest internal keys it holds.
struct FileMetaData: Sendable, Equatable {
    var number: UInt64
    var size: UInt64
    var smallest: [UInt8]
    var largest: [UInt8]
}
