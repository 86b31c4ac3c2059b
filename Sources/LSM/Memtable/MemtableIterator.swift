/// An ``InternalIterator`` over a ``Memtable``'s skiplist. `key` and `value` point straight into the
/// arena, which lives as long as the memtable this iterator holds.
///
/// Safe to use while the memtable's writer keeps inserting (see ``SkipList``): the walk sees the
/// entries published by the time it reaches them, always in order. One iterator is used by one
/// thread at a time.
final class MemtableIterator: InternalIterator {
    /// Keeps the arena (and so every node) alive while the iterator exists.
    private let memtable: Memtable
    private let list: SkipList
    private var node: UnsafeRawPointer?
    private var currentKey = UnsafeRawBufferPointer(start: nil, count: 0)

    init(memtable: Memtable, list: SkipList) {
        self.memtable = memtable
        self.list = list
    }

    /// Moves to `node`, decoding its internal key once.
    @inline(__always)
    private func position(at node: UnsafeRawPointer?) {
        self.node = node
        if let node { currentKey = MemtableEntry.internalKey(SkipList.entry(node)) }
    }

    var isValid: Bool { node != nil }

    func seekToFirst() { position(at: list.first()) }

    func seek(_ target: UnsafeRawBufferPointer) {
        position(at: list.seek(userKey: InternalKey.userKey(target), trailer: InternalKey.trailer(target)))
    }

    func next() {
        guard let node else { preconditionFailure("next() on an invalid memtable iterator") }
        position(at: list.next(node))
    }

    var key: UnsafeRawBufferPointer { currentKey }

    var value: UnsafeRawBufferPointer { MemtableEntry.value(after: currentKey) }

    /// A memtable cannot be corrupt: always nil.
    var error: LSMError? { nil }
}
