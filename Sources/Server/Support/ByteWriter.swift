/// Appends the integers and length-prefixed byte strings of raftd's command and record encodings.
/// Fixed-width integers are little-endian; varints are LEB128 (7 bits a byte, low bits first).
enum ByteWriter {
    /// Appends `value` as 4 little-endian bytes.
    @inline(__always)
    static func appendFixed32(_ bytes: inout [UInt8], _ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends `value` as 8 little-endian bytes.
    @inline(__always)
    static func appendFixed64(_ bytes: inout [UInt8], _ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends `value` as a varint (1 to 10 bytes).
    @inline(__always)
    static func appendVarint(_ bytes: inout [UInt8], _ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Appends `varint length | bytes`.
    @inline(__always)
    static func appendBytes(_ bytes: inout [UInt8], _ value: some Collection<UInt8>) {
        appendVarint(&bytes, UInt64(value.count))
        bytes.append(contentsOf: value)
    }
}
