/// Reads the encodings `ByteWriter` writes, checking every length against the bytes that remain.
///
/// Every read either returns a value that lies wholly inside the input or throws
/// `RaftCodecError.malformed` naming the offset; nothing the input holds can make it trap or make it
/// allocate more than the input's size.
struct ByteReader {
    /// The input.
    let bytes: [UInt8]
    /// The offset of the next byte to read.
    private(set) var offset: Int

    /// Creates a reader of `bytes` from `offset`.
    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    /// How many bytes are left.
    var remaining: Int { bytes.count - offset }

    /// Whether every byte was read.
    var isAtEnd: Bool { offset >= bytes.count }

    /// An error at the current offset.
    func malformed(_ reason: String) -> RaftCodecError {
        .malformed(offset: offset, reason: reason)
    }

    mutating func readByte(_ what: StaticString) throws(RaftCodecError) -> UInt8 {
        guard offset < bytes.count else { throw malformed("truncated before \(what)") }
        let value = bytes[offset]
        offset += 1
        return value
    }

    mutating func readBool(_ what: StaticString) throws(RaftCodecError) -> Bool {
        let value = try readByte(what)
        guard value <= 1 else { throw .malformed(offset: offset - 1, reason: "\(what) is \(value), not 0 or 1") }
        return value == 1
    }

    /// Reads a varint of at most 10 bytes whose value fits 64 bits.
    mutating func readVarint(_ what: StaticString) throws(RaftCodecError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw .malformed(offset: start, reason: "truncated varint (\(what))") }
            let byte = bytes[offset]
            offset += 1
            if shift == 63 && byte > 1 {
                throw .malformed(offset: start, reason: "varint overflows 64 bits (\(what))")
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads a varint that must be at most `limit`.
    mutating func readVarint(_ what: StaticString, atMost limit: UInt64) throws(RaftCodecError) -> UInt64 {
        let start = offset
        let value = try readVarint(what)
        guard value <= limit else { throw .malformed(offset: start, reason: "\(what) \(value) exceeds \(limit)") }
        return value
    }

    /// Reads a count of items each at least `minimumItemSize` bytes long; a count the remaining bytes
    /// cannot hold is rejected before anything is allocated for it.
    mutating func readCount(_ what: StaticString, minimumItemSize: Int) throws(RaftCodecError) -> Int {
        let start = offset
        let value = try readVarint(what)
        guard value <= UInt64(remaining / max(minimumItemSize, 1)) else {
            throw .malformed(
                offset: start, reason: "\(what) \(value) is more than the \(remaining) bytes left can hold")
        }
        return Int(value)
    }

    /// Reads `varint(count) | bytes`.
    mutating func readLengthPrefixed(_ what: StaticString) throws(RaftCodecError) -> [UInt8] {
        let start = offset
        let length = try readVarint(what)
        guard length <= UInt64(remaining) else {
            throw .malformed(offset: start, reason: "\(what) length \(length) exceeds the \(remaining) bytes left")
        }
        let end = offset + Int(length)
        let value = Array(bytes[offset..<end])
        offset = end
        return value
    }

    /// Reads length-prefixed UTF-8, rejecting invalid UTF-8.
    mutating func readString(_ what: StaticString) throws(RaftCodecError) -> String {
        let start = offset
        let raw = try readLengthPrefixed(what)
        guard let value = String(validating: raw, as: UTF8.self) else {
            throw .malformed(offset: start, reason: "\(what) is not valid UTF-8")
        }
        return value
    }

    /// Throws unless every byte was consumed.
    func expectEnd(_ what: StaticString) throws(RaftCodecError) {
        guard isAtEnd else { throw malformed("\(remaining) trailing bytes after \(what)") }
    }
}
