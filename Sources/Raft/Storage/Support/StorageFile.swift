#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The C library's text for an errno value.
func storageErrorMessage(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "unknown error" }
    return String(cString: text)
}

/// A file descriptor with the few operations Raft's storage needs, each turning a failed system call
/// into ``RaftStorageError/io(operation:path:errno:)``. The descriptor is closed when the object goes
/// away.
///
/// Positioned reads and writes (`pread`, `pwrite`) only, so no shared file position exists.
// @unchecked Sendable: `descriptor` changes only in `close()`, which the owners call while no other
// operation on the file can run (under their lock, or at the end of their life).
final class StorageFile: @unchecked Sendable {
    /// The path the file was opened with, for error messages.
    let path: String
    /// The open descriptor; `-1` once closed.
    private(set) var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { _ = systemClose(descriptor) }
    }

    /// Opens a file for reading and writing; with `create`, creates it when missing.
    static func open(_ path: String, create: Bool = false, truncate: Bool = false) throws -> StorageFile {
        var flags = O_RDWR | O_CLOEXEC
        if create { flags |= O_CREAT }
        if truncate { flags |= O_TRUNC }
        let fd = systemOpen(path, flags, 0o644)
        guard fd >= 0 else { throw RaftStorageError.io(operation: "open", path: path, errno: errno) }
        return StorageFile(path: path, descriptor: fd)
    }

    /// Opens an existing file for reading only.
    static func openForReading(_ path: String) throws -> StorageFile {
        let fd = systemOpen(path, O_RDONLY | O_CLOEXEC, 0)
        guard fd >= 0 else { throw RaftStorageError.io(operation: "open", path: path, errno: errno) }
        return StorageFile(path: path, descriptor: fd)
    }

    /// Writes all of `bytes` at `offset`, retrying short writes and `EINTR`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        var position = offset
        while left > 0 {
            let n = pwrite(descriptor, p, left, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw RaftStorageError.io(operation: "pwrite", path: path, errno: errno)
            }
            p += n
            left -= n
            position += Int64(n)
        }
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: [UInt8], at offset: Int64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    /// Reads up to `count` bytes at `offset` into `buffer`; returns how many were read (fewer only at
    /// the end of the file).
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws -> Int {
        var done = 0
        while done < count {
            let n = pread(descriptor, buffer + done, count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw RaftStorageError.io(operation: "pread", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads up to `count` bytes at `offset` (fewer at the end of the file).
    func read(count: Int, at offset: Int64) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var got = 0
        let result = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Zero first so that the array never exposes uninitialized memory, even on a throw.
            buffer.initialize(repeating: 0)
            initialized = count
            guard let base = buffer.baseAddress else { return }
            got = try read(into: base, count: count, at: offset)
        }
        return got == count ? result : Array(result[0..<got])
    }

    /// Reads exactly `count` bytes at `offset`, or throws corruption if the file is shorter.
    func readExactly(count: Int, at offset: Int64) throws -> [UInt8] {
        let bytes = try read(count: count, at: offset)
        guard bytes.count == count else {
            throw RaftStorageError.corruption(
                file: path, offset: offset, reason: "file ends after \(bytes.count) of \(count) bytes")
        }
        return bytes
    }

    /// The file's current size in bytes.
    func size() throws -> Int64 {
        var st = stat()
        guard fstat(descriptor, &st) == 0 else {
            throw RaftStorageError.io(operation: "fstat", path: path, errno: errno)
        }
        return Int64(st.st_size)
    }

    /// Makes the file's data durable (`fdatasync`; the size is part of what it flushes).
    func sync() throws {
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw RaftStorageError.io(operation: "fdatasync", path: path, errno: errno)
        }
    }

    /// Makes the file's data and metadata durable (`fsync`), used after a truncation.
    func fullSync() throws {
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw RaftStorageError.io(operation: "fsync", path: path, errno: errno)
        }
    }

    /// Cuts the file to `length` bytes.
    func truncate(to length: Int64) throws {
        guard ftruncate(descriptor, off_t(length)) == 0 else {
            throw RaftStorageError.io(operation: "ftruncate", path: path, errno: errno)
        }
    }

    /// Closes the descriptor now rather than at deinit; later calls fail with `EBADF`.
    func close() throws {
        guard descriptor >= 0 else { return }
        let fd = descriptor
        descriptor = -1
        guard systemClose(fd) == 0 else { throw RaftStorageError.io(operation: "close", path: path, errno: errno) }
    }
}

/// `open(2)`, named apart from ``StorageFile/open(_:create:truncate:)``.
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}

/// `close(2)`, named apart from ``StorageFile/close()``.
private func systemClose(_ fd: Int32) -> Int32 {
    close(fd)
}
