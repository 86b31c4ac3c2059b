#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A table file mapped read-only into memory, so that uncompressed blocks are read in place: no
/// `pread`, no copy, no allocation and no block-cache entry (LevelDB reads its tables this way).
/// Unmapped when the last ``Table`` or ``Block`` holding it goes away.
///
/// Tables are immutable once written and are only ever deleted (never truncated) by the store, and
/// a deleted file stays mapped until unmapped. A file truncated by someone else while mapped would
/// fault on access, as it would for LevelDB; the store itself never does that.
///
/// `@unchecked Sendable`: `base` and `count` never change and the memory is only read.
final class TableMapping: @unchecked Sendable {
    /// The first byte of the file.
    let base: UnsafeRawPointer
    /// Bytes mapped: the whole file as the manifest records it.
    let count: Int

    /// Maps the first `count` bytes of `file`, or returns nil when the file is shorter than that or
    /// cannot be mapped (the table then reads with `pread`).
    init?(file: PosixFile, count: Int) {
        var status = stat()
        guard count > 0, fstat(file.descriptor, &status) == 0, Int(status.st_size) >= count else { return nil }
        let mapped = mmap(nil, count, PROT_READ, MAP_SHARED, file.descriptor, 0)
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        base = UnsafeRawPointer(mapped)
        self.count = count
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), count)
    }
}
