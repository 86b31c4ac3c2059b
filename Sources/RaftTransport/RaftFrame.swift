import NIOCore

/// The transport's frame (see `doc/raft_transport.md`):
///
///     fixed32 length N (little-endian; the bytes after this field, N >= 1) | uint8 version (1) |
///     payload (N - 1 bytes)
///
/// The first frame a connection carries is the handshake, whose payload is `"RFTH" | fixed64 sender
/// id`; every later frame's payload is one opaque Raft message.
enum RaftFrame {
    /// The only version this transport speaks.
    static let version: UInt8 = 1
    /// The length and version fields.
    static let headerSize = 5
    /// The handshake payload's magic.
    static let handshakeMagic: [UInt8] = Array("RFTH".utf8)
    /// The handshake payload's size: magic and node id.
    static let handshakeSize = 12

    /// Writes the frame of `payload` into `buffer`.
    static func write(_ payload: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(payload.count + 1), endianness: .little)
        buffer.writeInteger(version)
        buffer.writeBytes(payload)
    }

    /// The handshake payload of node `id`.
    static func handshake(from id: UInt64) -> [UInt8] {
        var bytes = handshakeMagic
        withUnsafeBytes(of: id.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// The sender's id if `payload` is a valid handshake.
    static func parseHandshake(_ payload: ByteBuffer) -> UInt64? {
        guard payload.readableBytes == handshakeSize,
            payload.getBytes(at: payload.readerIndex, length: 4) == handshakeMagic
        else { return nil }
        return payload.getInteger(at: payload.readerIndex + 4, endianness: .little, as: UInt64.self)
    }
}
