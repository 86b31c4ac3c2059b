import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One read-only shared memory map of the database file, and a bit per page recording which pages
/// this process has already verified.
///
/// The map may extend past the end of the file (as LMDB's does): a transaction only touches pages
/// below its meta's page count, which the file always holds. When the file outgrows the map, the
/// writer creates a larger map; transactions that started earlier keep the old one alive through their
/// strong reference, and it is unmapped when the last of them ends. So no reader ever waits for a remap
/// and no remap waits for readers.
///
/// The verified bits only ever go from 0 to 1. A page's bytes change only when the writer reuses it,
/// and the writer marks every page it writes as verified, because it built those bytes itself; so a set
/// bit always describes the page's current bytes.
final class MemoryMap: @unchecked Sendable {
    // Safe to share: `base` and `size` never change, the mapped memory is read-only, and the bitmap is
    // only touched through atomic operations.
    /// The first byte of the map.
    let base: UnsafeRawPointer
    /// Bytes mapped.
    let size: Int
    /// The database's page size.
    let pageSize: Int
    /// The file's path, for error messages.
    let path: String
    /// One bit per page that fits in the map: set once the page's checksum (if enabled) and structure
    /// have been verified.
    let verifiedBits: UnsafeMutablePointer<Atomic<UInt64>>
    private let wordCount: Int

    /// Maps `size` bytes of the file open as `descriptor`, carrying over the verified bits of
    /// `previous`, the map this one replaces.
    init(descriptor: Int32, size: Int, pageSize: Int, path: String, previous: MemoryMap?) throws {
        let mapped = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0)
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw BTreeError.io(operation: "mmap", path: path, errno: errno)
        }
        base = UnsafeRawPointer(mapped)
        self.size = size
        self.pageSize = pageSize
        self.path = path
        wordCount = (size / pageSize + 63) / 64
        verifiedBits = .allocate(capacity: wordCount)
        for i in 0..<wordCount {
            let carried = previous.map { i < $0.wordCount ? $0.verifiedBits[i].load(ordering: .relaxed) : 0 } ?? 0
            (verifiedBits + i).initialize(to: Atomic(carried))
        }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), size)
        verifiedBits.deinitialize(count: wordCount)
        verifiedBits.deallocate()
    }

    /// Pages the map covers.
    var pageCapacity: UInt64 { UInt64(size / pageSize) }

    /// Records that page `id` holds verified bytes (ignored beyond the map).
    func markVerified(_ id: UInt64) {
        guard id < pageCapacity else { return }
        verifiedBits[Int(id >> 6)].bitwiseOr(1 << (id & 63), ordering: .relaxed)
    }

    /// Forgets that page `id` was verified: the writer is about to change it.
    func clearVerified(_ id: UInt64) {
        guard id < pageCapacity else { return }
        verifiedBits[Int(id >> 6)].bitwiseAnd(~(1 << (id & 63)), ordering: .relaxed)
    }
}
