/// Where a block lies in a table file: the offset of its first byte and the size of its contents,
/// not counting the 5-byte trailer (compression type and checksum) that follows them.
///
/// Encoded as `varint64 offset | varint64 size`, at most 20 bytes.
struct BlockHandle: Equatable {
    /// Offset of the block's first byte in the file.
    var offset: UInt64
    /// Size of the block's stored contents (compressed when the type byte says so).
    var size: UInt64

    /// The longest encoding: two 10-byte varints.
    static let maxEncodedLength = 20

    /// Appends the encoding to `buffer`.
    func encode(into buffer: ByteBuffer) {
        buffer.appendVarint64(offset)
        buffer.appendVarint64(size)
    }

    /// Decodes a handle from the front of `bytes` (trailing bytes are ignored), or returns `nil`
    /// when the varints are malformed or cut short.
    static func decode(_ bytes: UnsafeRawBufferPointer) -> BlockHandle? {
        var reader = ByteReader(bytes)
        return decode(from: &reader)
    }

    /// Decodes a handle at the reader's position.
    static func decode(from reader: inout ByteReader) -> BlockHandle? {
        guard let offset = reader.readVarint64(), let size = reader.readVarint64() else { return nil }
        return BlockHandle(offset: offset, size: size)
    }
}
