/// The in-memory table of recent writes: a ``SkipList`` of encoded entries (see ``MemtableEntry``)
/// in an ``Arena``, sorted by internal key, so a flush writes them out in table order.
///
/// `@unchecked Sendable` because its safety rests on a protocol the compiler cannot check: the store
/// serializes calls to ``add(sequence:type:key:value:)`` (one writer at a time, under its write
/// lock), while ``get(_:sequence:)``, iterators and ``approximateMemoryUsage`` may run on any thread
/// concurrently with that writer — the skiplist publishes nodes with release stores and readers
/// follow links with acquire loads, and the usage counter is an atomic.
final class Memtable: @unchecked Sendable {
    private let arena: Arena
    private let list: SkipList

    /// Creates an empty memtable.
    init() {
        arena = Arena()
        list = SkipList(arena: arena)
    }

    /// Adds an entry for `key` at `sequence`: a put of `value`, or a tombstone when `type` is
    /// `.deletion` (pass an empty `value`). Encodes the entry once into the arena:
    /// `varint32 internalKeyLength | userKey | fixed64(seq<<8|type) | varint32 valueLength | value`.
    /// Caller serializes calls, and never adds the same `(key, sequence)` twice.
    func add(sequence: UInt64, type: ValueType, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        precondition(sequence <= InternalKey.maxSequence, "sequence number out of range")
        let trailer = InternalKey.packTrailer(sequence: sequence, type: type)
        list.insert(entryLength: MemtableEntry.encodedLength(keyCount: key.count, valueCount: value.count)) {
            MemtableEntry.encode(into: $0, trailer: trailer, key: key, value: value)
        }
    }

    /// The newest entry for `userKey` with sequence at most `sequence`: `.found` with a copy of its
    /// value, `.deleted` for a tombstone, or nil when the memtable has none. Any thread.
    func get(_ userKey: UnsafeRawBufferPointer, sequence: UInt64) -> LookupResult? {
        // (userKey, sequence, .value) is the first internal key of userKey visible at `sequence`:
        // the type sorts descending and `.value` is the largest type.
        let target = InternalKey.packTrailer(sequence: min(sequence, InternalKey.maxSequence), type: .value)
        guard let node = list.seek(userKey: userKey, trailer: target) else { return nil }
        let internalKey = MemtableEntry.internalKey(SkipList.entry(node))
        guard compareBytes(InternalKey.userKey(internalKey), userKey) == 0 else { return nil }
        switch InternalKey.type(internalKey) {
        case .value:
            return .found(Array(MemtableEntry.value(after: internalKey)))
        case .deletion:
            return .deleted
        case nil:
            // Unreachable: `add` only writes the two known types.
            return nil
        }
    }

    /// The bytes the memtable's arena holds, which is what a flush decision needs. Any thread.
    var approximateMemoryUsage: Int { arena.memoryUsage }

    /// An iterator over every entry in internal key order. It holds the memtable alive, and sees
    /// entries added after it was made when it reaches them. Any thread.
    func makeIterator() -> MemtableIterator {
        MemtableIterator(memtable: self, list: list)
    }
}
