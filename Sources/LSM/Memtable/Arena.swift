import Synchronization

/// A bump allocator for one memtable: hands out pieces of large raw blocks and frees them all at
/// once when the arena goes away, so a skiplist insert costs a pointer bump instead of a `malloc`.
///
/// Only one thread allocates at a time (the memtable's single writer). ``memoryUsage`` may be read
/// from any thread: it is an atomic the allocating thread publishes after every allocation.
final class Arena {
    /// The size of an ordinary block. Requests over a quarter of it get a block of their own so a
    /// large value does not waste the tail of the current block.
    static let blockSize = 1 << 20
    /// The alignment of every block, enough for any request up to this alignment without padding.
    private static let blockAlignment = 16

    /// The next free byte of the current block (nil before the first block).
    private var cursor: UnsafeMutableRawPointer?
    /// The free bytes left after `cursor` in the current block.
    private var remaining = 0
    /// Every block, freed in `deinit`.
    private var blocks: [UnsafeMutableRawPointer] = []
    /// The total size of every block so far (writer only).
    private var reservedBytes = 0
    /// `reservedBytes - remaining`: the bytes handed out plus padding and abandoned block tails.
    private let usage = Atomic<Int>(0)

    init() {}

    deinit {
        for block in blocks { block.deallocate() }
    }

    /// The bytes of memory the arena holds, less the unused tail of its current block. Any thread.
    var memoryUsage: Int { usage.load(ordering: .relaxed) }

    /// Returns `bytes` bytes of uninitialised memory aligned to `alignment` (a power of two), valid
    /// until the arena is released. Callers serialize calls.
    @inline(__always)
    func allocate(_ bytes: Int, alignment: Int) -> UnsafeMutableRawPointer {
        precondition(bytes > 0 && alignment > 0 && alignment & (alignment - 1) == 0, "bad arena request")
        if let cursor {
            let padding = Int(bitPattern: UInt(bitPattern: -Int(bitPattern: cursor)) & UInt(alignment - 1))
            let needed = padding + bytes
            if needed <= remaining {
                let result = cursor + padding
                self.cursor = result + bytes
                remaining -= needed
                usage.store(reservedBytes - remaining, ordering: .relaxed)
                return result
            }
        }
        return allocateFromNewBlock(bytes, alignment: alignment)
    }

    /// The slow path of ``allocate(_:alignment:)``: the current block is too full.
    private func allocateFromNewBlock(_ bytes: Int, alignment: Int) -> UnsafeMutableRawPointer {
        let blockAlignment = max(alignment, Arena.blockAlignment)
        if bytes > Arena.blockSize / 4 {
            // Oversize: its own block; the current block keeps serving small requests.
            let block = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: blockAlignment)
            blocks.append(block)
            reservedBytes += bytes
            usage.store(reservedBytes - remaining, ordering: .relaxed)
            return block
        }
        // Abandon the tail of the current block (it stays counted) and start a fresh one.
        let block = UnsafeMutableRawPointer.allocate(byteCount: Arena.blockSize, alignment: blockAlignment)
        blocks.append(block)
        reservedBytes += Arena.blockSize
        cursor = block + bytes
        remaining = Arena.blockSize - bytes
        usage.store(reservedBytes - remaining, ordering: .relaxed)
        return block
    }
}
