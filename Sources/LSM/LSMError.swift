/// The errors an ``LSMStore`` reports.
///
/// Every error that comes from bad bytes on disk names the file and the byte offset where the damage
/// was found, so an operator can look at it with `lsm-tool`.
public enum LSMError: Error, Equatable, Sendable {
    /// A file's bytes fail a checksum or do not parse: `file` is the path, `offset` the byte offset of
    /// the damaged record or block, `reason` what was wrong.
    case corruption(file: String, offset: Int64, reason: String)
    /// A system call failed: `operation` names it, `path` the file, `errno` the system's code.
    case io(operation: String, path: String, errno: Int32)
    /// Another process (or another ``LSMStore`` in this one) holds the directory's lock file.
    case locked(path: String)
    /// The directory holds no database and ``LSMOptions/createIfMissing`` is false.
    case notFound(path: String)
    /// The directory already holds a database and ``LSMOptions/errorIfExists`` is true.
    case alreadyExists(path: String)
    /// A caller passed something the store cannot accept (an empty key, a key or value over the limit, …).
    case invalidArgument(String)
    /// The store was closed; no further operation is possible.
    case closed
    /// A background flush or compaction failed; the store refuses writes until it is reopened.
    case backgroundError(String)
}

extension LSMError: CustomStringConvertible {
    /// A one-line, human-readable account of the error.
    public var description: String {
        switch self {
        case .corruption(let file, let offset, let reason):
            return "corruption in \(file) at offset \(offset): \(reason)"
        case .io(let operation, let path, let code):
            return "\(operation)(\(path)) failed: \(systemErrorMessage(code)) (errno \(code))"
        case .locked(let path):
            return "\(path) is locked by another process or open store"
        case .notFound(let path):
            return "no database in \(path) (createIfMissing is false)"
        case .alreadyExists(let path):
            return "a database already exists in \(path) (errorIfExists is true)"
        case .invalidArgument(let what):
            return "invalid argument: \(what)"
        case .closed:
            return "the store is closed"
        case .backgroundError(let what):
            return "background work failed, writes are refused until reopen: \(what)"
        }
    }
}
