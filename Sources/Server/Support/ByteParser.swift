/// A bounds-checked reader of the encodings ``ByteWriter`` writes. Every read returns `nil` when the
/// bytes run out or are malformed, so decoding untrusted bytes never traps.
struct ByteParser {
    private let bytes: [UInt8]
    /// The position of the next byte to read.
    private(set) var offset: Int

    /// A parser at the start of `bytes`.
    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// Bytes not read yet.
    var remaining: Int { bytes.count - offset }

    /// One byte.
    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A little-endian 32-bit integer.
    mutating func fixed32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        var value: UInt32 = 0
        for shift in 0..<4 { value |= UInt32(bytes[offset + shift]) << (8 * shift) }
        offset += 4
        return value
    }

    /// A little-endian 64-bit integer.
    mutating func fixed64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        var value: UInt64 = 0
        for shift in 0..<8 { value |= UInt64(bytes[offset + shift]) << (8 * shift) }
        offset += 8
        return value
    }

    /// A varint of at most 10 bytes whose value fits 64 bits.
    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var position = offset
        while position < bytes.count && shift < 64 {
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { return nil }
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 {
                offset = position
                return value
            }
            shift += 7
        }
        return nil
    }

    /// A `varint length | bytes` string.
    mutating func lengthPrefixed() -> [UInt8]? {
        let start = offset
        guard let length = varint(), length <= UInt64(remaining) else {
            offset = start
            return nil
        }
        let end = offset + Int(length)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}
