#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension BTreeError: CustomStringConvertible {
    /// A one-line, human-readable account of the error.
    public var description: String {
        switch self {
        case .corruption(let page, let reason):
            return "corruption in page \(page): \(reason)"
        case .invalidFile(let path, let reason):
            return "\(path) is not a usable B+tree file: \(reason)"
        case .io(let operation, let path, let code):
            let message = strerror(code).map { String(cString: $0) } ?? "unknown error"
            return "\(operation)(\(path)) failed: \(message) (errno \(code))"
        case .locked(let path):
            return "\(path) is locked by another process or open database"
        case .databaseReadOnly:
            return "the database was opened read-only"
        case .transactionReadOnly:
            return "write in a read-only transaction"
        case .transactionClosed:
            return "the transaction has ended"
        case .databaseClosed:
            return "the database is closed"
        case .nestedWriteTransaction:
            return "update or batch called inside a write transaction on the same thread"
        case .keyEmpty:
            return "empty key or bucket name"
        case .keyTooLarge(let size, let limit):
            return "key of \(size) bytes is longer than the limit of \(limit)"
        case .valueTooLarge(let size, let limit):
            return "value of \(size) bytes is longer than the limit of \(limit)"
        case .bucketExists(let name):
            return "bucket \(name) already exists"
        case .bucketNotFound(let name):
            return "bucket \(name) not found"
        case .incompatibleValue:
            return "the key holds a bucket where a value was expected, or a value where a bucket was"
        case .bucketDeleted:
            return "the bucket was deleted in this transaction"
        case .sequenceOverflow:
            return "bucket sequence overflow"
        case .writeFailed(let reason):
            return "an earlier commit failed (\(reason)); reopen the database"
        case .checkFailed(let problems):
            let shown = problems.prefix(5).map(\.description).joined(separator: "; ")
            return "check found \(problems.count) problem(s): \(shown)\(problems.count > 5 ? "; ..." : "")"
        }
    }
}
