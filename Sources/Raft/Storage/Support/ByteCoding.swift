/// Little-endian fixed-width integers in byte arrays, the encoding of every Raft storage format.
extension Array where Element == UInt8 {
    /// Appends `value` as 4 little-endian bytes.
    @inline(__always)
    mutating func appendFixed32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 24))
    }

    /// Appends `value` as 8 little-endian bytes.
    @inline(__always)
    mutating func appendFixed64(_ value: UInt64) {
        appendFixed32(UInt32(truncatingIfNeeded: value))
        appendFixed32(UInt32(truncatingIfNeeded: value >> 32))
    }

    /// Overwrites the 4 bytes at `offset` with `value`, little-endian.
    @inline(__always)
    mutating func storeFixed32(_ value: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 2] = UInt8(truncatingIfNeeded: value >> 16)
        self[offset + 3] = UInt8(truncatingIfNeeded: value >> 24)
    }
}

extension UnsafeRawBufferPointer {
    /// The little-endian `UInt32` at `offset`; the caller has checked that 4 bytes are there.
    @inline(__always)
    func fixed32(at offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// The little-endian `UInt64` at `offset`; the caller has checked that 8 bytes are there.
    @inline(__always)
    func fixed64(at offset: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Whether every byte in `range` is zero.
    func isZero(_ range: Range<Int>) -> Bool {
        for i in range where self[i] != 0 { return false }
        return true
    }
}

/// A cursor that reads little-endian fields from a byte array and reports a short read as `nil`, for
/// the small metadata records (snapshot headers, configurations) whose every field must be checked.
struct StorageByteReader {
    let bytes: [UInt8]
    private(set) var position: Int

    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// Bytes not read yet.
    var remaining: Int { bytes.count - position }

    mutating func readFixed32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        defer { position += 4 }
        return bytes.withUnsafeBytes { $0.fixed32(at: position) }
    }

    mutating func readFixed64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        defer { position += 8 }
        return bytes.withUnsafeBytes { $0.fixed64(at: position) }
    }

    mutating func readByte() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }
}
