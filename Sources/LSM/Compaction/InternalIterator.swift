/// A forward iterator over entries sorted by ``InternalKey/compare(_:_:)-(UnsafeRawBufferPointer,_)``:
/// the shape shared by memtable, block, table, merging and level iterators.
///
/// `key` and `value` point into memory the iterator owns (an arena, a block, a scratch buffer); they
/// stay valid until the iterator moves or is released, so callers copy what they keep.
protocol InternalIterator: AnyObject {
    /// Whether the iterator is positioned at an entry.
    var isValid: Bool { get }
    /// Positions at the first entry.
    func seekToFirst()
    /// Positions at the first entry whose internal key is at or after `target` (an internal key).
    func seek(_ target: UnsafeRawBufferPointer)
    /// Moves to the next entry. Requires `isValid`.
    func next()
    /// The current internal key. Requires `isValid`.
    var key: UnsafeRawBufferPointer { get }
    /// The current value. Requires `isValid`.
    var value: UnsafeRawBufferPointer { get }
    /// The first error met (corruption or I/O). Once set, `isValid` is false.
    var error: LSMError? { get }
}

/// What a point lookup in one memtable or table found for a user key at a snapshot.
enum LookupResult: Equatable {
    /// The newest visible entry is a put of this value.
    case found([UInt8])
    /// The newest visible entry is a tombstone: the key does not exist, look no further.
    case deleted
}
