/// An ``InternalIterator`` over the entries of one ``Block``.
///
/// A thin owner of a ``BlockCursor``: it keeps the block alive and owns the key scratch. It can be
/// moved to another block with ``reset(to:)``, reusing its scratch memory.
final class BlockIterator: InternalIterator {
    private var block: Block
    private var cursor: BlockCursor

    init(block: Block) {
        self.block = block
        cursor = BlockCursor(block: block)
    }

    deinit { cursor.releaseScratch() }

    /// Moves to the start of `block`, not yet positioned.
    func reset(to block: Block) {
        self.block = block
        cursor.repoint(to: block)
    }

    var isValid: Bool { cursor.isValid }
    func seekToFirst() { cursor.seekToFirst() }
    func seek(_ target: UnsafeRawBufferPointer) { cursor.seek(target) }
    func next() { cursor.next() }
    var key: UnsafeRawBufferPointer { cursor.key }
    var value: UnsafeRawBufferPointer { cursor.value }
    var error: LSMError? { cursor.failure.map { block.corruption($0) } }
}
