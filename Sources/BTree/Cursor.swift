/// An iterator over a bucket's keys in order, able to move both ways and to jump (bbolt's `Cursor`).
///
/// ```swift
/// let cursor = try bucket.cursor()
/// var entry = try cursor.seek(Array("user/".utf8))      // first key >= "user/"
/// while let (key, value) = entry, key.starts(with: Array("user/".utf8)) {
///     print(key, value ?? [])                           // value is nil for a nested bucket
///     entry = try cursor.next()
/// }
/// ```
///
/// Two ways to read: ``first()``, ``last()``, ``next()``, ``prev()`` and ``seek(_:)`` return copies of
/// the key and value (`nil` at either end); the `moveTo...` methods only move, returning whether there
/// is an entry, and ``withCurrent(_:)`` lends the current key and value without copying.
///
/// A new cursor points nowhere; ``next()`` and ``prev()`` on a cursor that points nowhere (new, or
/// moved past either end) return nil. In a write transaction the cursor stays valid when the bucket
/// changes, through the cursor or not: its next move continues from the key it was at (from where it
/// was, if that key was deleted), so deleting every entry while iterating visits each entry once.
/// A cursor belongs to its transaction and throws ``BTreeError/transactionClosed`` after it ends.
public final class Cursor {
    private enum State {
        case nowhere
        case atEntry
        /// The entry the cursor was at was deleted through it; `key` still holds its key.
        case atDeletedEntry
    }

    /// The bucket iterated.
    let bucket: Bucket
    private let path = TreePath()
    private var state = State.nowhere
    /// The bucket's mutation count when the path was last built.
    private var observedMutations: Int
    private var key = UnsafeRawBufferPointer(start: nil, count: 0)
    private var value = UnsafeRawBufferPointer(start: nil, count: 0)
    private var flags: UInt16 = 0
    /// In a write transaction, the current key is copied here: the bytes it was read from may move
    /// when the leaf is changed in place, and the cursor needs the key to find its place again.
    private var keyCopy: UnsafeMutableRawPointer?

    init(bucket: Bucket) {
        self.bucket = bucket
        observedMutations = bucket.mutationCount
        if bucket.tx.isWritable {
            keyCopy = .allocate(byteCount: max(bucket.tx.db.maxKeySize, 1), alignment: 8)
        }
    }

    deinit { keyCopy?.deallocate() }

    // MARK: Moving without copying

    /// Moves to the first key; false if the bucket is empty.
    public func moveToFirst() throws -> Bool {
        try bucket.ensureUsable()
        observedMutations = bucket.mutationCount
        return try settle(path.first(in: bucket))
    }

    /// Moves to the last key; false if the bucket is empty.
    public func moveToLast() throws -> Bool {
        try bucket.ensureUsable()
        observedMutations = bucket.mutationCount
        return try settle(path.last(in: bucket))
    }

    /// Moves to the next key; false (pointing nowhere) if there is none.
    public func moveToNext() throws -> Bool {
        try bucket.ensureUsable()
        guard state != .nowhere else { return false }
        try refind(forward: true)
        return try settle(path.stepForward(in: bucket))
    }

    /// Moves to the previous key; false (pointing nowhere) if there is none.
    public func moveToPrevious() throws -> Bool {
        try bucket.ensureUsable()
        guard state != .nowhere else { return false }
        try refind(forward: false)
        return try settle(path.stepBackward(in: bucket))
    }

    /// Moves to the first key `>= key`; false (pointing nowhere) if every key is smaller.
    public func move(toFirstKeyAtOrAfter key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { try move(toFirstKeyAtOrAfter: $0) }
    }

    /// ``move(toFirstKeyAtOrAfter:)-([UInt8])`` with the key as raw bytes, read during the call.
    public func move(toFirstKeyAtOrAfter key: UnsafeRawBufferPointer) throws -> Bool {
        try bucket.ensureUsable()
        observedMutations = bucket.mutationCount
        _ = try path.search(key, in: bucket)
        if path.leafIndex < path.leafCount { return try settle(true) }
        path.setLeafIndex(path.leafCount - 1)
        return try settle(path.stepForward(in: bucket))
    }

    /// Calls `body` with the current key and value (nil for a nested bucket) without copying them, and
    /// returns its result; nil if the cursor points nowhere (or at an entry deleted through it).
    ///
    /// The buffers point into the memory map or the transaction's memory and are valid only during
    /// `body`.
    public func withCurrent<R>(
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?) throws -> R
    ) throws -> R? {
        try bucket.ensureUsable()
        guard state == .atEntry else { return nil }
        if observedMutations != bucket.mutationCount {
            observedMutations = bucket.mutationCount
            guard try path.search(key, in: bucket) else {
                state = .atDeletedEntry
                return nil
            }
            (key, value, flags) = try path.current(in: bucket)
            keepKey()
        }
        return try body(key, flags == LeafFlags.bucket ? nil : value)
    }

    // MARK: Moving and copying

    /// Moves to the first key and returns copies of it and its value (nil for a nested bucket); nil
    /// if the bucket is empty.
    public func first() throws -> (key: [UInt8], value: [UInt8]?)? {
        try moveToFirst() ? copyCurrent() : nil
    }

    /// Moves to the last key and returns copies of it and its value; nil if the bucket is empty.
    public func last() throws -> (key: [UInt8], value: [UInt8]?)? {
        try moveToLast() ? copyCurrent() : nil
    }

    /// Moves to the next key and returns copies of it and its value; nil at the end.
    public func next() throws -> (key: [UInt8], value: [UInt8]?)? {
        try moveToNext() ? copyCurrent() : nil
    }

    /// Moves to the previous key and returns copies of it and its value; nil at the start.
    public func prev() throws -> (key: [UInt8], value: [UInt8]?)? {
        try moveToPrevious() ? copyCurrent() : nil
    }

    /// Moves to the first key `>= key` and returns copies of it and its value; nil if there is none.
    public func seek(_ key: [UInt8]) throws -> (key: [UInt8], value: [UInt8]?)? {
        try move(toFirstKeyAtOrAfter: key) ? copyCurrent() : nil
    }

    // MARK: Deleting

    /// Deletes the entry the cursor is at. The cursor keeps its place: ``next()`` then returns the entry
    /// after the deleted one and ``prev()`` the one before. Does nothing if the cursor points nowhere.
    /// Throws ``BTreeError/incompatibleValue`` at a nested bucket (delete those with
    /// ``Bucket/deleteBucket(_:)-(String)``) and ``BTreeError/transactionReadOnly`` in a read-only
    /// transaction.
    public func delete() throws {
        try bucket.ensureWritable()
        guard state == .atEntry else { return }
        if observedMutations != bucket.mutationCount {
            observedMutations = bucket.mutationCount
            guard try path.search(key, in: bucket) else {
                state = .atDeletedEntry
                return
            }
            (key, value, flags) = try path.current(in: bucket)
            keepKey()
        }
        guard flags != LeafFlags.bucket else { throw BTreeError.incompatibleValue }
        try bucket.removeEntry(at: path)
        state = .atDeletedEntry
    }

    // MARK: Internals

    /// Records where a move ended: the current entry's key, value and flags.
    private func settle(_ found: Bool) throws -> Bool {
        if found {
            (key, value, flags) = try path.current(in: bucket)
            keepKey()
            state = .atEntry
        } else {
            state = .nowhere
        }
        return found
    }

    /// If the bucket changed since the path was built, rebuilds it at the current key; if that key is
    /// gone, places the path between its neighbours so the step in the given direction lands on the
    /// right one.
    private func refind(forward: Bool) throws {
        guard observedMutations != bucket.mutationCount || state == .atDeletedEntry else { return }
        observedMutations = bucket.mutationCount
        if try !path.search(key, in: bucket) {
            path.setLeafIndex(forward ? path.leafIndex - 1 : path.leafIndex)
        }
    }

    /// Points `key` at a private copy of itself (write transactions only).
    private func keepKey() {
        guard let keyCopy, let source = key.baseAddress else { return }
        let count = min(key.count, bucket.tx.db.maxKeySize)
        copyBytes(keyCopy, source, count: count)
        key = UnsafeRawBufferPointer(start: keyCopy, count: count)
    }

    private func copyCurrent() -> (key: [UInt8], value: [UInt8]?) {
        ([UInt8](key), flags == LeafFlags.bucket ? nil : [UInt8](value))
    }
}
