#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Directory and path operations for Raft's storage.
enum StorageDirectory {
    static func fileExists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Creates `path` and its missing parents.
    static func create(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw RaftStorageError.io(operation: "mkdir", path: prefix, errno: errno)
            }
        }
    }

    /// The names (not paths) of the entries in a directory, without `.` and `..`.
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw RaftStorageError.io(operation: "opendir", path: path, errno: errno) }
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

    /// Deletes the file at `path`.
    static func remove(_ path: String) throws {
        guard unlink(path) == 0 else { throw RaftStorageError.io(operation: "unlink", path: path, errno: errno) }
    }

    /// Atomically replaces `to` with `from`.
    static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else {
            throw RaftStorageError.io(operation: "rename", path: from, errno: errno)
        }
    }

    /// fsyncs a directory, making the creation, renaming and removal of its entries durable.
    static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw RaftStorageError.io(operation: "open", path: path, errno: errno) }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw RaftStorageError.io(operation: "fsync", path: path, errno: errno) }
    }
}

/// An exclusive advisory lock (`flock`) on a file, held until ``unlock()`` or deinit, so that two
/// processes never open the same log.
// @unchecked Sendable: `descriptor` changes only in `unlock()`, which the owner calls under its lock
// or at the end of its life.
final class StorageLock: @unchecked Sendable {
    private var descriptor: Int32

    /// Takes the lock on `path` (created if missing) or throws ``RaftStorageError/locked(path:)``.
    init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RaftStorageError.io(operation: "open", path: path, errno: errno) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            _ = close(fd)
            if code == EWOULDBLOCK { throw RaftStorageError.locked(path: path) }
            throw RaftStorageError.io(operation: "flock", path: path, errno: code)
        }
        descriptor = fd
    }

    /// Releases the lock; later calls do nothing.
    func unlock() {
        guard descriptor >= 0 else { return }
        _ = flock(descriptor, LOCK_UN)
        _ = close(descriptor)
        descriptor = -1
    }

    deinit { unlock() }
}
