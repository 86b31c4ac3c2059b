/// The fixed-size record at the end of every table file, from which a reader finds everything else.
///
/// Layout (48 bytes): `filter handle | index handle | zero padding to 40 bytes | fixed64 magic`.
/// A filter handle of size 0 means the table has no filter. See `doc/table_format.md`.
struct Footer: Equatable {
    /// The bloom filter block; size 0 when the table was written without a filter.
    var filterHandle: BlockHandle
    /// The index block.
    var indexHandle: BlockHandle

    /// The footer's size on disk: two handles padded to their maximum length, then the magic.
    static let encodedLength = 2 * BlockHandle.maxEncodedLength + 8

    /// The last eight bytes of every table: ASCII `RaftdSST` (`52 61 66 74 64 53 53 54`), read as a
    /// little-endian fixed64. Distinct from LevelDB's magic, so neither engine mistakes the other's
    /// files for its own.
    static let magic: UInt64 = 0x5453_5364_7466_6152

    /// Appends exactly ``encodedLength`` bytes to `buffer`.
    func encode(into buffer: ByteBuffer) {
        let start = buffer.count
        filterHandle.encode(into: buffer)
        indexHandle.encode(into: buffer)
        let padding = 2 * BlockHandle.maxEncodedLength - (buffer.count - start)
        buffer.reserve(padding)
        buffer.tail.initializeMemory(as: UInt8.self, repeating: 0, count: padding)
        buffer.advance(by: padding)
        buffer.appendFixed64(Footer.magic)
    }

    /// Parses a footer from exactly ``encodedLength`` bytes read at `offset` of `file`.
    static func decode(_ bytes: UnsafeRawBufferPointer, file: String, offset: Int64) throws -> Footer {
        guard bytes.count == encodedLength, let base = bytes.baseAddress else {
            throw LSMError.corruption(
                file: file, offset: offset, reason: "footer is \(bytes.count) bytes, expected \(encodedLength)")
        }
        let magic = Coding.loadFixed64(base + 2 * BlockHandle.maxEncodedLength)
        guard magic == Footer.magic else {
            throw LSMError.corruption(file: file, offset: offset, reason: "bad magic number: not a table file")
        }
        var reader = ByteReader(UnsafeRawBufferPointer(start: base, count: 2 * BlockHandle.maxEncodedLength))
        guard let filter = BlockHandle.decode(from: &reader), let index = BlockHandle.decode(from: &reader) else {
            throw LSMError.corruption(file: file, offset: offset, reason: "malformed block handle in footer")
        }
        return Footer(filterHandle: filter, indexHandle: index)
    }
}
