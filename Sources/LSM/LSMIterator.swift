/// A forward iterator over a store's entries in key order, as of one sequence number.
///
/// Made by ``LSMStore/makeIterator(from:to:at:)``. It reads lazily, so it can walk ranges of any size;
/// it pins the memtables and table files it reads until it is released. Not for use from several
/// threads at once.
///
/// ```swift
/// let iterator = try db.makeIterator(from: Array("a".utf8))
/// while let (key, value) = try iterator.next() { … }
/// ```
public final class LSMIterator {
    private let iterator: DBIterator
    private let version: Version
    private var started = false
    private let start: [UInt8]?

    init(_ iterator: DBIterator, start: [UInt8]?, pinning version: Version) {
        self.iterator = iterator
        self.version = version
        self.start = start
    }

    /// Moves to the next entry and hands its key and value to `body` without copying them; returns
    /// what `body` returns, or `nil` past the last entry. The buffers are valid only during the call.
    ///
    /// This is the fast way to walk a large range: ``next()`` copies each key and value into new arrays.
    public func next<Result>(
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result? {
        advance()
        // An iterator with an error is invalid, so a valid one needs no error check.
        guard iterator.isValid else {
            if let error = iterator.error { throw error }
            return nil
        }
        return try body(iterator.key, iterator.value)
    }

    /// The next entry, or `nil` past the last one.
    ///
    /// - Throws: ``LSMError/corruption(file:offset:reason:)`` when a table read on the way is damaged.
    public func next() throws -> (key: [UInt8], value: [UInt8])? {
        try next { key, value in (Array(key), Array(value)) }
    }

    private func advance() {
        if started {
            iterator.next()
        } else {
            started = true
            if let start {
                start.withUnsafeBytes { iterator.seek(toUserKey: $0) }
            } else {
                iterator.seekToFirst()
            }
        }
    }
}
