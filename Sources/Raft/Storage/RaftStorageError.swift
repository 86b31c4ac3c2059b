/// The errors Raft's durable storage (``SegmentedLog``, ``HardStateFile``, ``SnapshotStore``) reports.
///
/// Every error that comes from bad bytes on disk names the file and the byte offset where the damage
/// was found.
public enum RaftStorageError: Error, Equatable, Sendable {
    /// A file's bytes fail a checksum or do not parse: `file` is the path, `offset` the byte offset of
    /// the damaged record, `reason` what was wrong.
    case corruption(file: String, offset: Int64, reason: String)
    /// A system call failed: `operation` names it, `path` the file, `errno` the system's code.
    case io(operation: String, path: String, errno: Int32)
    /// Another process (or another open log in this one) holds the directory's lock file.
    case locked(path: String)
    /// A caller passed something storage cannot accept (a non-contiguous append, an index out of range, …).
    case invalidArgument(String)
    /// Entries below `firstIndex` were asked for; they were compacted into a snapshot.
    case compacted(index: UInt64, firstIndex: UInt64)
    /// Entries past `lastIndex` were asked for.
    case unavailable(index: UInt64, lastIndex: UInt64)
    /// The snapshot directory holds snapshot files but none of them is valid; `problems` says why each
    /// was rejected.
    case noValidSnapshot(directory: String, problems: [String])
    /// The object was closed; no further operation is possible.
    case closed
}

extension RaftStorageError: CustomStringConvertible {
    /// A one-line, human-readable account of the error.
    public var description: String {
        switch self {
        case .corruption(let file, let offset, let reason):
            return "corruption in \(file) at offset \(offset): \(reason)"
        case .io(let operation, let path, let code):
            return "\(operation)(\(path)) failed: \(storageErrorMessage(code)) (errno \(code))"
        case .locked(let path):
            return "\(path) is locked by another process or open log"
        case .invalidArgument(let what):
            return "invalid argument: \(what)"
        case .compacted(let index, let firstIndex):
            return "entry \(index) was compacted (the log starts at \(firstIndex))"
        case .unavailable(let index, let lastIndex):
            return "entry \(index) is past the end of the log (last index \(lastIndex))"
        case .noValidSnapshot(let directory, let problems):
            return "no valid snapshot in \(directory): \(problems.joined(separator: "; "))"
        case .closed:
            return "the storage object is closed"
        }
    }
}
