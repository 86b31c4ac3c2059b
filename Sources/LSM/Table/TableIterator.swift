/// The two-level iterator over a table: a cursor on the index block picks the data block, a cursor
/// on that block walks its entries; empty blocks are skipped.
///
/// Both cursors keep their key scratch for the iterator's life and the data cursor moves from block
/// to block, so seeking and stepping allocate nothing when blocks come from the cache. The first
/// error (a block that fails to read or decode) is kept; afterwards the iterator stays invalid.
final class TableIterator: InternalIterator {
    private let table: Table
    private let verifyChecksums: Bool
    private let fillCache: Bool
    @exclusivity(unchecked) private var index: BlockCursor
    @exclusivity(unchecked) private var data: BlockCursor
    /// The block `data` is on (kept alive here), or ``Block/empty``.
    private var dataBlock: Block = .empty
    /// The file offset of `dataBlock`, or `UInt64.max` when there is none.
    private var dataBlockOffset = UInt64.max
    private var failure: LSMError?

    init(table: Table, verifyChecksums: Bool, fillCache: Bool) {
        self.table = table
        self.verifyChecksums = verifyChecksums
        self.fillCache = fillCache
        index = BlockCursor(block: table.indexBlock)
        data = BlockCursor(block: .empty)
    }

    deinit {
        index.releaseScratch()
        data.releaseScratch()
    }

    var isValid: Bool { data.isValid }
    var key: UnsafeRawBufferPointer { data.key }
    var value: UnsafeRawBufferPointer { data.value }
    var error: LSMError? { failure }

    func seekToFirst() {
        guard failure == nil else { return }
        index.seekToFirst()
        loadDataBlock()
        data.seekToFirst()
        skipEmptyBlocks()
    }

    func seek(_ target: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        index.seek(target)
        loadDataBlock()
        data.seek(target)
        skipEmptyBlocks()
    }

    func next() {
        data.next()
        skipEmptyBlocks()
    }

    /// Points `data` at the block the index cursor names (unless it is there already), or at no
    /// block when the index is exhausted or fails.
    private func loadDataBlock() {
        guard index.isValid else {
            if let reason = index.failure {
                fail(table.indexBlock.corruption(reason))
            } else {
                clearDataBlock()
            }
            return
        }
        guard let handle = BlockHandle.decode(index.value) else {
            fail(table.indexBlock.corruption("malformed block handle in index"))
            return
        }
        if handle.offset == dataBlockOffset { return }
        do {
            let block = try table.dataBlock(handle, verifyChecksums: verifyChecksums, fillCache: fillCache)
            dataBlock = block
            dataBlockOffset = handle.offset
            data.repoint(to: block)
        } catch {
            fail(
                error as? LSMError
                    ?? .corruption(file: table.path, offset: Int64(clamping: handle.offset), reason: "\(error)"))
        }
    }

    /// While the data cursor is off its block's end, moves on to the next block's first entry.
    private func skipEmptyBlocks() {
        while !data.isValid {
            if let reason = data.failure {
                fail(dataBlock.corruption(reason))
                return
            }
            guard failure == nil, index.isValid else { return }
            index.next()
            loadDataBlock()
            data.seekToFirst()
        }
    }

    private func clearDataBlock() {
        dataBlock = .empty
        dataBlockOffset = .max
        data.repoint(to: .empty)
    }

    private func fail(_ error: LSMError) {
        failure = error
        clearDataBlock()
    }
}
