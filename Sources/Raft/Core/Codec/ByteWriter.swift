/// Appends the integer and byte encodings of the Raft wire format to a growing buffer.
///
/// Integers are LEB128 varints (7 bits per byte, low bits first, high bit set on every byte but the
/// last); byte strings are a varint length followed by the bytes.
struct ByteWriter {
    /// The bytes written so far.
    var bytes: [UInt8]

    /// Creates a writer with room for `capacity` bytes.
    init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func writeByte(_ value: UInt8) {
        bytes.append(value)
    }

    @inline(__always)
    mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    mutating func writeBool(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    /// Writes `varint(count) | bytes`.
    @inline(__always)
    mutating func writeLengthPrefixed(_ value: [UInt8]) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Writes a string as length-prefixed UTF-8.
    mutating func writeString(_ value: String) {
        var copy = value
        copy.withUTF8 { utf8 in
            writeVarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
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
}
