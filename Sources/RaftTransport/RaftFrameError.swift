/// Why the transport closed a connection: what the peer sent was not a valid frame sequence.
enum RaftFrameError: Error, CustomStringConvertible {
    /// A length field of 0 (a frame has at least its version byte).
    case emptyFrame
    /// A frame whose payload is larger than the configured maximum.
    case oversized(length: UInt64, maximum: Int)
    /// A version this transport does not speak.
    case wrongVersion(UInt8)
    /// The first frame was not a valid handshake.
    case badHandshake
    /// The connection closed in the middle of a frame.
    case truncated(bytes: Int)

    var description: String {
        switch self {
        case .emptyFrame: return "frame of length 0"
        case .oversized(let length, let maximum):
            return "frame payload of \(length) bytes exceeds the maximum \(maximum)"
        case .wrongVersion(let version): return "frame version \(version), expected \(RaftFrame.version)"
        case .badHandshake: return "the first frame is not a handshake"
        case .truncated(let bytes): return "connection closed inside a frame (\(bytes) bytes left over)"
        }
    }
}
