/// An immutable block of a table (data or index), in memory the block owns.
///
/// The bytes are the block builder's output: entries, then the restart offsets (fixed32 each), then
/// the restart count (fixed32). Construction checks only that the restart array fits; entries are
/// checked as cursors decode them, so a damaged block yields a corruption error, never a trap.
///
/// `@unchecked Sendable`: the memory is written once before `init` returns and only read afterwards,
/// and it is freed only in `deinit`, when no reader can hold the block any more. Blocks are shared
/// between threads through the block cache.
final class Block: @unchecked Sendable {
    /// The block's bytes.
    let data: UnsafeRawPointer
    /// How many bytes `data` holds.
    let size: Int
    /// Where the restart array starts, which is also where the entries end.
    let restartOffset: Int
    /// How many restart points the block has.
    let restartCount: Int
    /// The path of the file the block was read from, for errors.
    let file: String
    /// The offset of the block in that file, for errors.
    let offset: Int64

    private init(
        data: UnsafeRawPointer, size: Int, restartOffset: Int, restartCount: Int, file: String, offset: Int64,
        mapping: TableMapping? = nil
    ) {
        self.mapping = mapping
        self.data = data
        self.size = size
        self.restartOffset = restartOffset
        self.restartCount = restartCount
        self.file = file
        self.offset = offset
    }

    /// What keeps `data` alive when the block does not own it: the mapping of the file it lies in.
    private let mapping: TableMapping?

    deinit {
        if mapping == nil { UnsafeMutableRawPointer(mutating: data).deallocate() }
    }

    /// Takes ownership of `size` bytes at `data` (allocated with `UnsafeMutableRawPointer.allocate`)
    /// and wraps them as a block, or frees them and throws corruption when the restart array does not
    /// fit. `file` and `offset` say where the block came from.
    static func make(owning data: UnsafeMutableRawPointer, size: Int, file: String, offset: Int64) throws -> Block {
        let count: Int
        do {
            count = try restartCount(data, size: size, file: file, offset: offset)
        } catch {
            data.deallocate()
            throw error
        }
        return Block(
            data: data, size: size, restartOffset: size - 4 - 4 * count, restartCount: count, file: file,
            offset: offset)
    }

    /// A block over `size` bytes at `data` inside `mapping`, which it keeps mapped; nothing is copied.
    /// Throws corruption (naming `file` and `offset`) when the restart array does not fit.
    static func make(
        mapped data: UnsafeRawPointer, size: Int, mapping: TableMapping, file: String, offset: Int64
    ) throws -> Block {
        let count = try restartCount(data, size: size, file: file, offset: offset)
        return Block(
            data: data, size: size, restartOffset: size - 4 - 4 * count, restartCount: count, file: file,
            offset: offset, mapping: mapping)
    }

    /// The restart count stored in the block's last 4 bytes, after checking that the block holds it
    /// and its restart array.
    private static func restartCount(_ data: UnsafeRawPointer, size: Int, file: String, offset: Int64) throws -> Int {
        guard size >= 4 else {
            throw LSMError.corruption(file: file, offset: offset, reason: "block of \(size) bytes is too short")
        }
        let count = Int(Coding.loadFixed32(data + (size - 4)))
        guard count <= (size - 4) / 4 else {
            throw LSMError.corruption(
                file: file, offset: offset, reason: "restart count \(count) does not fit a block of \(size) bytes")
        }
        return count
    }

    /// A block holding a copy of `bytes`.
    static func make(copying bytes: UnsafeRawBufferPointer, file: String = "", offset: Int64 = 0) throws -> Block {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        if let source = bytes.baseAddress { memory.copyMemory(from: source, byteCount: bytes.count) }
        return try make(owning: memory, size: bytes.count, file: file, offset: offset)
    }

    /// A block without entries, for iterators not yet positioned on a real block.
    static let empty: Block = {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 4, alignment: 8)
        Coding.storeFixed32(memory, 0)
        return Block(data: memory, size: 4, restartOffset: 0, restartCount: 0, file: "", offset: 0)
    }()

    /// The corruption error for a problem `reason` found while decoding this block.
    func corruption(_ reason: StaticString) -> LSMError {
        .corruption(file: file, offset: offset, reason: "\(reason)")
    }
}
