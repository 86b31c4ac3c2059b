#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Little-endian fixed-width integers and LEB128 varints, the integer encodings of every LSM file.
///
/// Appends go to a growing `[UInt8]`; loads read unaligned memory. Decoders never read past the
/// limit they are given and return `nil` on malformed input instead of trapping.
enum Coding {
    @inline(__always)
    static func appendFixed32(_ buffer: inout [UInt8], _ value: UInt32) {
        buffer.append(UInt8(truncatingIfNeeded: value))
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
        buffer.append(UInt8(truncatingIfNeeded: value >> 16))
        buffer.append(UInt8(truncatingIfNeeded: value >> 24))
    }

    @inline(__always)
    static func appendFixed64(_ buffer: inout [UInt8], _ value: UInt64) {
        appendFixed32(&buffer, UInt32(truncatingIfNeeded: value))
        appendFixed32(&buffer, UInt32(truncatingIfNeeded: value >> 32))
    }

    @inline(__always)
    static func appendVarint32(_ buffer: inout [UInt8], _ value: UInt32) {
        appendVarint64(&buffer, UInt64(value))
    }

    @inline(__always)
    static func appendVarint64(_ buffer: inout [UInt8], _ value: UInt64) {
        var v = value
        while v >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(truncatingIfNeeded: v))
    }

    /// Appends `varint(bytes.count) | bytes`.
    @inline(__always)
    static func appendLengthPrefixed(_ buffer: inout [UInt8], _ bytes: UnsafeRawBufferPointer) {
        appendVarint64(&buffer, UInt64(bytes.count))
        buffer.append(contentsOf: bytes)
    }

    /// Appends `varint(bytes.count) | bytes`.
    @inline(__always)
    static func appendLengthPrefixed(_ buffer: inout [UInt8], _ bytes: [UInt8]) {
        appendVarint64(&buffer, UInt64(bytes.count))
        buffer.append(contentsOf: bytes)
    }

    /// How many bytes the varint encoding of `value` takes.
    @inline(__always)
    static func varintLength(_ value: UInt64) -> Int {
        var v = value
        var n = 1
        while v >= 0x80 {
            v >>= 7
            n += 1
        }
        return n
    }

    /// Writes a varint at `pointer` and returns the number of bytes written (at most 10).
    @inline(__always)
    static func storeVarint64(_ pointer: UnsafeMutableRawPointer, _ value: UInt64) -> Int {
        var v = value
        var i = 0
        while v >= 0x80 {
            pointer.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: i, as: UInt8.self)
            v >>= 7
            i += 1
        }
        pointer.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: i, as: UInt8.self)
        return i + 1
    }

    @inline(__always)
    static func loadFixed32(_ pointer: UnsafeRawPointer) -> UInt32 {
        UInt32(littleEndian: pointer.loadUnaligned(as: UInt32.self))
    }

    @inline(__always)
    static func loadFixed64(_ pointer: UnsafeRawPointer) -> UInt64 {
        UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
    }

    @inline(__always)
    static func storeFixed32(_ pointer: UnsafeMutableRawPointer, _ value: UInt32) {
        pointer.storeBytes(of: value.littleEndian, as: UInt32.self)
    }

    @inline(__always)
    static func storeFixed64(_ pointer: UnsafeMutableRawPointer, _ value: UInt64) {
        pointer.storeBytes(of: value.littleEndian, as: UInt64.self)
    }

    /// Decodes a varint of at most 10 bytes from `[pointer, limit)`. Returns the value and the
    /// position after it, or `nil` when the bytes end first or the varint is too long.
    @inline(__always)
    static func decodeVarint64(_ pointer: UnsafeRawPointer, _ limit: UnsafeRawPointer) -> (
        value: UInt64, next: UnsafeRawPointer
    )? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var p = pointer
        while p < limit && shift <= 63 {
            let byte = p.load(as: UInt8.self)
            p += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return (result, p) }
            shift += 7
        }
        return nil
    }

    /// Decodes a varint that must fit 32 bits; see ``decodeVarint64(_:_:)``.
    @inline(__always)
    static func decodeVarint32(_ pointer: UnsafeRawPointer, _ limit: UnsafeRawPointer) -> (
        value: UInt32, next: UnsafeRawPointer
    )? {
        // Fast path: one byte, the common case for lengths in blocks.
        if pointer < limit {
            let byte = pointer.load(as: UInt8.self)
            if byte < 0x80 { return (UInt32(byte), pointer + 1) }
        }
        guard let (value, next) = decodeVarint64(pointer, limit), value <= UInt64(UInt32.max) else {
            return nil
        }
        return (UInt32(value), next)
    }
}

/// A forward cursor over bytes being parsed. Every read checks bounds and returns `nil` when the
/// input is too short or malformed, so parsers of on-disk structures cannot trap on bad bytes.
struct ByteReader {
    /// The bytes being read.
    let bytes: UnsafeRawBufferPointer
    /// The offset of the next byte to read.
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    mutating func readByte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readFixed32() -> UInt32? {
        guard remaining >= 4, let base = bytes.baseAddress else { return nil }
        defer { offset += 4 }
        return Coding.loadFixed32(base + offset)
    }

    mutating func readFixed64() -> UInt64? {
        guard remaining >= 8, let base = bytes.baseAddress else { return nil }
        defer { offset += 8 }
        return Coding.loadFixed64(base + offset)
    }

    mutating func readVarint64() -> UInt64? {
        guard let base = bytes.baseAddress, offset < bytes.count else { return nil }
        guard let (value, next) = Coding.decodeVarint64(base + offset, base + bytes.count) else { return nil }
        offset = next - base
        return value
    }

    mutating func readVarint32() -> UInt32? {
        guard let value = readVarint64(), value <= UInt64(UInt32.max) else { return nil }
        return UInt32(value)
    }

    /// Reads `count` bytes as a slice of the underlying buffer (no copy).
    mutating func readBytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    /// Reads `varint(length) | bytes`.
    mutating func readLengthPrefixed() -> UnsafeRawBufferPointer? {
        guard let length = readVarint64(), length <= UInt64(Int.max) else { return nil }
        return readBytes(Int(length))
    }
}

/// Bytewise comparison of two byte strings, as `memcmp` with the shorter one ordered first on a tie.
/// Only the sign of the result means anything.
///
/// Compares 8 bytes at a time as big-endian words inline: keys are short, and a call into `memcmp`
/// costs more than the comparison itself (about 30% of a memtable insert).
@inline(__always)
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    if n > 0, let pa = a.baseAddress, let pb = b.baseAddress {
        var i = 0
        while i + 8 <= n {
            let x = UInt64(bigEndian: pa.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let y = UInt64(bigEndian: pb.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            if x != y { return x < y ? -1 : 1 }
            i += 8
        }
        while i < n {
            let x = pa.load(fromByteOffset: i, as: UInt8.self)
            let y = pb.load(fromByteOffset: i, as: UInt8.self)
            if x != y { return x < y ? -1 : 1 }
            i += 1
        }
    }
    return a.count - b.count
}

/// Bytewise comparison of two arrays; see ``compareBytes(_:_:)-(UnsafeRawBufferPointer,_)``.
@inline(__always)
func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in compareBytes(pa, pb) } }
}
