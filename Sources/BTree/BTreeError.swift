/// The errors the B+tree engine reports.
///
/// Damaged bytes in the file always surface as ``corruption(page:reason:)`` naming the page (and, in
/// `reason`, the file and byte offset), never as a crash. Misuse of the API (a key that is too long, a
/// write in a read-only transaction, a bucket used after its transaction ended) has a case of its own.
public enum BTreeError: Error, Equatable, Sendable {
    /// The page with id `page` fails its checksum or does not parse; `reason` says what was wrong, in
    /// which file and at which byte offset. Page 0 is also used when neither meta page is valid.
    case corruption(page: UInt64, reason: String)
    /// The file is not a database this engine can open: wrong magic number, unsupported format
    /// version or page size, or too short to hold the two meta pages.
    case invalidFile(path: String, reason: String)
    /// A system call failed: `operation` names it, `path` the file, `errno` the system's code.
    case io(operation: String, path: String, errno: Int32)
    /// Another process (or another ``BTreeDB`` in this one) holds the file's lock: an exclusive lock
    /// for a read-write open, a shared one for a read-only open.
    case locked(path: String)
    /// A write was attempted on a database opened with ``BTreeOptions/readOnly``.
    case databaseReadOnly
    /// A write was attempted in a read-only transaction (``BTreeDB/view(_:)``).
    case transactionReadOnly
    /// The transaction has ended: its buckets and cursors may no longer be used.
    case transactionClosed
    /// The database has been closed.
    case databaseClosed
    /// ``BTreeDB/update(_:)`` or ``BTreeDB/batch(_:)`` was called from inside a write transaction on
    /// the same thread, which would wait for itself forever.
    case nestedWriteTransaction
    /// A key (or bucket name) was empty; every key has at least one byte.
    case keyEmpty
    /// A key (or bucket name) of `size` bytes is longer than ``BTreeDB/maxKeySize`` (`limit`).
    case keyTooLarge(size: Int, limit: Int)
    /// A value of `size` bytes is longer than ``BTreeDB/maxValueSize`` (`limit`).
    case valueTooLarge(size: Int, limit: Int)
    /// ``Transaction/createBucket(_:)`` found a bucket of that name already there.
    case bucketExists(name: String)
    /// ``Transaction/deleteBucket(_:)`` found no bucket of that name.
    case bucketNotFound(name: String)
    /// The key holds a nested bucket where a plain value was expected (put, delete, cursor delete), or a
    /// plain value where a bucket was expected (create or delete bucket).
    case incompatibleValue
    /// The ``Bucket`` object was used after its bucket was deleted in this transaction.
    case bucketDeleted
    /// ``Bucket/nextSequence()`` would pass `UInt64.max`.
    case sequenceOverflow
    /// An earlier commit failed after it had started to write the meta page, so what is on disk is
    /// unknown; the database refuses writes until it is reopened (which recovers the last good meta).
    case writeFailed(reason: String)
    /// ``BTreeDB/check()`` found the problems listed.
    case checkFailed([BTreeProblem])
}
