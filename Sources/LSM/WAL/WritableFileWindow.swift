#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A writable shared mapping of the part `start..<end` of a file whose blocks are already allocated
/// (`posix_fallocate`), so that bytes copied into it land in the page cache as a `write(2)` would put
/// them, without a system call: they survive a crash of the process, and `fdatasync` of the file
/// makes them durable. Unmapped when the window goes away.
final class WritableFileWindow {
    /// The first mapped byte, which is the file's byte at `start`.
    let base: UnsafeMutableRawPointer
    /// The file offset of `base`, a multiple of the page size.
    let start: Int64
    /// The file offset just past the mapping.
    let end: Int64

    /// The system's page size, the alignment a mapping's file offset needs.
    static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// Maps `start..<end` of `file` (opened for reading and writing) with `start` rounded down to a
    /// page; nil when the mapping fails.
    init?(file: PosixFile, start requestedStart: Int64, end: Int64) {
        let start = requestedStart - requestedStart % WritableFileWindow.pageSize
        guard end > start, file.descriptor >= 0 else { return nil }
        let mapped = mmap(nil, Int(end - start), PROT_READ | PROT_WRITE, MAP_SHARED, file.descriptor, off_t(start))
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        base = mapped
        self.start = start
        self.end = end
    }

    deinit {
        munmap(base, Int(end - start))
    }
}
