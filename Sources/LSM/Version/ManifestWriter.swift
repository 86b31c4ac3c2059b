/// Writes a manifest, `MANIFEST-NNNNNN`: a log in the WAL format (``LogWriter``) whose records are
/// encoded ``VersionEdit``s, and makes `CURRENT` name it. See `doc/manifest_format.md`.
///
/// A store never appends to a manifest it finds on reopen: it always starts a new one with a snapshot
/// of the whole state (LevelDB's default), so this type only creates.
// @unchecked Sendable: no internal locking, like ``LogWriter``; the store serializes every use (only
// the holder of its version lock applies edits).
final class ManifestWriter: @unchecked Sendable {
    /// The manifest's file number.
    let fileNumber: UInt64
    private let log: LogWriter

    private init(fileNumber: UInt64, log: LogWriter) {
        self.fileNumber = fileNumber
        self.log = log
    }

    /// The manifest's size in bytes so far.
    var size: Int64 { log.offset }

    /// Creates `MANIFEST-<number>` in `directory`, writes `snapshot` (an edit describing the whole
    /// current state) as its first record and fsyncs it, then points `CURRENT` at it atomically
    /// (temporary file, fsync, rename, fsync of the directory). Until the rename, `CURRENT` still names
    /// the previous manifest, so a crash at any point leaves a readable store.
    ///
    /// If writing the new manifest fails it is removed; if switching `CURRENT` fails the manifest is
    /// kept, since `CURRENT` may already name it.
    static func create(directory: String, number: UInt64, snapshot: VersionEdit) throws -> ManifestWriter {
        let path = FileNames.manifest(directory, number)
        let log = LogWriter(file: try PosixFile.create(path))
        do {
            try log.addRecord(snapshot.encode())
            try log.sync()
        } catch {
            try? log.close()
            try? FileSystem.remove(path)
            throw error
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let currentPath = FileNames.current(directory)
        do {
            try FileSystem.writeAtomically(Array((name + "\n").utf8), to: currentPath, directory: directory)
        } catch {
            try? log.close()
            // writeAtomically's temporary file, if the rename did not happen.
            try? FileSystem.remove(currentPath + ".tmp")
            throw error
        }
        return ManifestWriter(fileNumber: number, log: log)
    }

    /// Appends `edit` and fsyncs it before returning. After a failure the manifest's tail is unknown
    /// and every later call fails: the caller must start a new manifest (or stop).
    func append(_ edit: VersionEdit) throws {
        try log.addRecord(edit.encode())
        try log.sync()
    }

    /// Closes the manifest file (everything appended is already synced).
    func close() throws {
        try log.close()
    }
}
