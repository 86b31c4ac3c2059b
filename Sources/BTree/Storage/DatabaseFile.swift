#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The database file's descriptor and the system calls made on it, each turning a failure into
/// ``BTreeError/io(operation:path:errno:)``. Writes and syncs are serialized by the writer lock; the
/// descriptor is closed by ``close()`` or at deinit.
final class DatabaseFile: @unchecked Sendable {
    // Safe to share: `descriptor` is only changed by close(), which runs under the database's writer
    // lock after every other user of the descriptor has finished.
    /// The path the file was opened with.
    let path: String
    private var descriptor: Int32

    /// Opens (creating it when `create`) the file at `path` for reading, or reading and writing.
    init(path: String, writable: Bool, create: Bool) throws {
        var flags = (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC
        if create { flags |= O_CREAT }
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw BTreeError.io(operation: "open", path: path, errno: errno) }
        self.path = path
        descriptor = fd
    }

    deinit { close() }

    /// The open descriptor (for mmap).
    var fd: Int32 { descriptor }

    /// Takes a non-blocking `flock` on the file: exclusive for a writer, shared for a reader. Throws
    /// ``BTreeError/locked(path:)`` when another open file description holds a conflicting lock.
    func lock(exclusive: Bool) throws {
        if flock(descriptor, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            let code = errno
            if code == EWOULDBLOCK { throw BTreeError.locked(path: path) }
            throw BTreeError.io(operation: "flock", path: path, errno: code)
        }
    }

    /// The file's size in bytes.
    func size() throws -> Int64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw BTreeError.io(operation: "fstat", path: path, errno: errno) }
        return Int64(status.st_size)
    }

    /// Reads up to `count` bytes at `offset` into `buffer`; returns how many were read (fewer only at the
    /// end of the file).
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws -> Int {
        var done = 0
        while done < count {
            let n = pread(descriptor, buffer + done, count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw BTreeError.io(operation: "pread", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Writes all of `bytes` at `offset`, retrying short writes and `EINTR`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        guard var pointer = bytes.baseAddress else { return }
        var left = bytes.count
        var position = offset
        while left > 0 {
            let n = pwrite(descriptor, pointer, left, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw BTreeError.io(operation: "pwrite", path: path, errno: errno)
            }
            pointer += n
            left -= n
            position += Int64(n)
        }
    }

    /// Buffers per `pwritev` call (Linux's `UIO_MAXIOV`).
    static let maxVectors = 1024

    /// Writes the buffers of `vectors` back to back at `offset` with `pwritev`, retrying short writes.
    func write(vectors: [iovec], at offset: Int64) throws {
        var vectors = vectors
        var first = 0
        var position = offset
        while first < vectors.count {
            let batch = min(vectors.count - first, DatabaseFile.maxVectors)
            let n = vectors.withUnsafeBufferPointer { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return pwritev(descriptor, base + first, Int32(batch), off_t(position))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw BTreeError.io(operation: "pwritev", path: path, errno: errno)
            }
            position += Int64(n)
            var written = n
            while written > 0 && first < vectors.count {
                if written >= vectors[first].iov_len {
                    written -= vectors[first].iov_len
                    first += 1
                } else {
                    vectors[first].iov_base = vectors[first].iov_base.map { $0 + written }
                    vectors[first].iov_len -= written
                    written = 0
                }
            }
        }
    }

    /// Makes written data durable (`fdatasync`).
    func sync() throws {
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw BTreeError.io(operation: "fdatasync", path: path, errno: errno)
        }
    }

    /// Releases the lock and closes the descriptor; later calls do nothing.
    func close() {
        guard descriptor >= 0 else { return }
        _ = flock(descriptor, LOCK_UN)
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    /// fsyncs the directory holding `path`, so that a newly created file's name survives a crash.
    static func syncDirectory(of path: String) throws {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw BTreeError.io(operation: "open", path: directory, errno: errno) }
        defer { _ = Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw BTreeError.io(operation: "fsync", path: directory, errno: errno) }
    }
}
