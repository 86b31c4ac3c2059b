/// Why bytes could not be decoded as a Raft message or log payload.
public enum RaftCodecError: Error, Hashable, Sendable {
    /// The first byte names a format version this build does not know.
    case unsupportedVersion(UInt8)
    /// The bytes do not parse: `offset` is where the problem was found, `reason` what it was.
    case malformed(offset: Int, reason: String)
}

extension RaftCodecError: CustomStringConvertible {
    /// A one-line, human-readable account of the error.
    public var description: String {
        switch self {
        case .unsupportedVersion(let version):
            return "unsupported Raft encoding version \(version)"
        case .malformed(let offset, let reason):
            return "malformed Raft encoding at offset \(offset): \(reason)"
        }
    }
}
