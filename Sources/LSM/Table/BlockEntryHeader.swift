/// The three varints that open every entry of a block (`doc/table_format.md`): how much of the
/// previous key the entry's key shares, how many key bytes follow, and the value's length.
///
/// Shared by ``BlockCursor`` and ``InflatingBlockSearch``, which decode the same entries from a whole
/// block and from the part of a block inflated so far.
struct BlockEntryHeader {
    /// Bytes of the previous entry's key that this key starts with.
    var shared: Int
    /// Bytes of key stored in the entry, after the header.
    var nonShared: Int
    /// Bytes of value stored after the key bytes.
    var valueLength: Int
    /// Where the key bytes start (just after the header).
    var keyStart: Int

    /// Where the value starts.
    @inline(__always)
    var valueStart: Int { keyStart + nonShared }

    /// Where the next entry starts.
    @inline(__always)
    var end: Int { keyStart + nonShared + valueLength }

    /// Decodes the header of the entry at `offset` in `data`, or returns `nil` when its varints or
    /// its key and value do not fit before `limit`.
    @inline(__always)
    static func decode(_ data: UnsafeRawPointer, at offset: Int, limit: Int) -> BlockEntryHeader? {
        guard let header = decodeLengths(data, at: offset, limit: limit),
            header.nonShared <= limit - header.keyStart,
            header.valueLength <= limit - header.keyStart - header.nonShared
        else { return nil }
        return header
    }

    /// Decodes the three varints of the entry at `offset` in `data`, or returns `nil` when they do not
    /// fit before `limit`; the key and value they announce may end past `limit`.
    @inline(__always)
    static func decodeLengths(_ data: UnsafeRawPointer, at offset: Int, limit: Int) -> BlockEntryHeader? {
        if limit - offset >= 3 {
            let a = data.load(fromByteOffset: offset, as: UInt8.self)
            let b = data.load(fromByteOffset: offset + 1, as: UInt8.self)
            let c = data.load(fromByteOffset: offset + 2, as: UInt8.self)
            if (a | b | c) < 0x80 {
                return BlockEntryHeader(shared: Int(a), nonShared: Int(b), valueLength: Int(c), keyStart: offset + 3)
            }
        }
        return decodeVarints(data, at: offset, limit: limit)
    }

    /// The general case of ``decode(_:at:limit:)``: any varint longer than one byte.
    private static func decodeVarints(_ data: UnsafeRawPointer, at offset: Int, limit: Int) -> BlockEntryHeader? {
        guard offset <= limit else { return nil }
        let end = data + limit
        guard let (shared, p1) = Coding.decodeVarint32(data + offset, end),
            let (nonShared, p2) = Coding.decodeVarint32(p1, end),
            let (valueLength, p3) = Coding.decodeVarint32(p2, end)
        else { return nil }
        return BlockEntryHeader(
            shared: Int(shared), nonShared: Int(nonShared), valueLength: Int(valueLength), keyStart: p3 - data)
    }
}
