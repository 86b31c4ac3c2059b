#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file descriptor with the few operations the engine needs, each turning a failed system call
/// into ``LSMError/io(operation:path:errno:)``. The descriptor is closed when the object goes away.
///
/// Reads use `pread`, so one `PosixFile` may serve many concurrent readers; appends and syncs must be
/// serialized by the caller.
final class PosixFile: @unchecked Sendable {
    /// The path the file was opened with, for error messages.
    let path: String
    /// The open descriptor; `-1` once closed.
    private(set) var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }

    /// Opens an existing file for reading.
    static func openForReading(_ path: String) throws -> PosixFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LSMError.io(operation: "open", path: path, errno: errno) }
        return PosixFile(path: path, descriptor: fd)
    }

    /// Creates (or truncates) a file for writing; appends go to its end.
    static func create(_ path: String) throws -> PosixFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LSMError.io(operation: "open", path: path, errno: errno) }
        return PosixFile(path: path, descriptor: fd)
    }

    /// Creates (or truncates) a file for reading and writing, so that it can also be mapped writable
    /// (the WAL; see ``LogWriter``).
    static func createReadWrite(_ path: String) throws -> PosixFile {
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LSMError.io(operation: "open", path: path, errno: errno) }
        return PosixFile(path: path, descriptor: fd)
    }

    /// Opens a file for appending, creating it when missing.
    static func openForAppending(_ path: String) throws -> PosixFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LSMError.io(operation: "open", path: path, errno: errno) }
        return PosixFile(path: path, descriptor: fd)
    }

    /// Writes all of `bytes` at the current position, retrying short writes and `EINTR`.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(descriptor, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw LSMError.io(operation: "write", path: path, errno: errno)
            }
            p += n
            left -= n
        }
    }

    /// Writes all of `bytes` at `offset` (`pwrite`), retrying short writes and `EINTR`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        var position = offset
        while left > 0 {
            let n = pwrite(descriptor, p, left, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw LSMError.io(operation: "pwrite", path: path, errno: errno)
            }
            p += n
            left -= n
            position += Int64(n)
        }
    }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in try write(raw) }
    }

    /// Reads up to `count` bytes at `offset` into `buffer`; returns how many were read (fewer only at
    /// the end of the file).
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) throws -> Int {
        var done = 0
        while done < count {
            let n = pread(descriptor, buffer + done, count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw LSMError.io(operation: "pread", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads exactly `count` bytes at `offset` into a new array, or throws corruption if the file is
    /// shorter.
    func readExactly(count: Int, at offset: Int64) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        let got = try result.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return try read(into: base, count: count, at: offset)
        }
        guard got == count else {
            throw LSMError.corruption(
                file: path, offset: offset, reason: "file ends after \(got) of \(count) bytes")
        }
        return result
    }

    /// Reads the whole file.
    func readAll() throws -> [UInt8] {
        let count = try size()
        return try readExactly(count: Int(count), at: 0)
    }

    /// The file's current size in bytes.
    func size() throws -> Int64 {
        var st = stat()
        guard fstat(descriptor, &st) == 0 else { throw LSMError.io(operation: "fstat", path: path, errno: errno) }
        return Int64(st.st_size)
    }

    /// Makes the file's data durable (`fdatasync`).
    func sync() throws {
        while fdatasync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw LSMError.io(operation: "fdatasync", path: path, errno: errno)
        }
    }

    /// Reserves `offset..<offset + length` with `posix_fallocate` (zero-filled, and the file grows
    /// to cover it); returns whether that worked.
    func preallocate(offset: Int64, length: Int64) -> Bool {
        guard descriptor >= 0, length > 0 else { return false }
        return posix_fallocate(descriptor, off_t(offset), off_t(length)) == 0
    }

    /// Cuts the file to `length` bytes.
    func truncate(to length: Int64) throws {
        guard ftruncate(descriptor, off_t(length)) == 0 else {
            throw LSMError.io(operation: "ftruncate", path: path, errno: errno)
        }
    }

    /// Closes the descriptor now rather than at deinit; later calls fail with `EBADF`.
    func close() throws {
        guard descriptor >= 0 else { return }
        let fd = descriptor
        descriptor = -1
        guard Glibc.close(fd) == 0 else { throw LSMError.io(operation: "close", path: path, errno: errno) }
    }
}

/// Directory and path operations on the file system.
enum FileSystem {
    static func fileExists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Creates `path` and its missing parents.
    static func createDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw LSMError.io(operation: "mkdir", path: prefix, errno: errno)
            }
        }
    }

    /// The names (not paths) of the entries in a directory, without `.` and `..`.
    static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw LSMError.io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func remove(_ path: String) throws {
        guard unlink(path) == 0 else { throw LSMError.io(operation: "unlink", path: path, errno: errno) }
    }

    /// Atomically replaces `to` with `from`.
    static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw LSMError.io(operation: "rename", path: from, errno: errno) }
    }

    /// fsyncs a directory, making the creation, renaming and removal of its entries durable.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw LSMError.io(operation: "open", path: path, errno: errno) }
        defer { _ = Glibc.close(fd) }
        guard fsync(fd) == 0 else { throw LSMError.io(operation: "fsync", path: path, errno: errno) }
    }

    /// The size of the file at `path`.
    static func fileSize(_ path: String) throws -> Int64 {
        var st = stat()
        guard stat(path, &st) == 0 else { throw LSMError.io(operation: "stat", path: path, errno: errno) }
        return Int64(st.st_size)
    }

    /// Writes `bytes` to `path` through a temporary file, fsync and rename, then fsyncs the directory:
    /// readers see the old contents or the new, never a mix.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws {
        let temp = path + ".tmp"
        let file = try PosixFile.create(temp)
        try file.write(bytes)
        try file.sync()
        try file.close()
        try rename(temp, path)
        try syncDirectory(directory)
    }
}

/// An exclusive advisory lock (`flock`) on a file, held until ``unlock()`` or deinit.
///
/// `flock` locks belong to the open file description, so a second open of the same directory fails
/// even within one process.
final class FileLock: @unchecked Sendable {
    private var descriptor: Int32

    /// Takes the lock on `path` (created if missing) or throws ``LSMError/locked(path:)``.
    init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LSMError.io(operation: "open", path: path, errno: errno) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            _ = Glibc.close(fd)
            if code == EWOULDBLOCK { throw LSMError.locked(path: path) }
            throw LSMError.io(operation: "flock", path: path, errno: code)
        }
        descriptor = fd
    }

    /// Releases the lock; later calls do nothing.
    func unlock() {
        guard descriptor >= 0 else { return }
        _ = flock(descriptor, LOCK_UN)
        _ = Glibc.close(descriptor)
        descriptor = -1
    }

    deinit { unlock() }
}
