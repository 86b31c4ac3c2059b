import Synchronization

/// The snapshots of a Raft server, in one directory: each a file `NNNN…-TTTT….snap` (index and term)
/// written as a stream with its ``SnapshotMetadata`` and a checksum over metadata and data.
///
/// ``create(metadata:)`` returns a ``SnapshotWriter`` for the server's own snapshots; ``receive()``
/// returns a ``SnapshotReceiver`` for one sent by the leader. Both install through a temporary file,
/// `fdatasync`, rename and directory `fsync`, and then delete all but the two newest snapshots (by
/// index), so that a damaged newest one still has a valid predecessor. ``latest()`` returns the newest
/// *valid* snapshot, skipping damaged ones. The format is in `doc/raft_storage_format.md`.
///
/// Thread-safe.
public final class SnapshotStore: Sendable {
    /// How many snapshots are kept.
    public static let retainedCount = 2

    /// The directory.
    public let directory: String

    private struct State {
        var nextTemporary = 0
        /// Files verified by this process (installed files never change), so ``latest()`` does not
        /// read a large snapshot again each time.
        var verified: [String: SnapshotFile.Layout] = [:]
    }

    private let state = Mutex(State())

    /// Opens the store in `directory` (created if missing) and removes temporary files a crash left.
    public init(directory: String) throws {
        self.directory = directory
        try StorageDirectory.create(directory)
        for name in try StorageDirectory.list(directory) where name.hasSuffix(".tmp") {
            try StorageDirectory.remove(directory + "/" + name)
        }
    }

    /// Starts writing a snapshot covering `metadata`.
    public func create(metadata: SnapshotMetadata) throws -> SnapshotWriter {
        try SnapshotWriter(store: self, metadata: metadata, temporaryPath: temporaryPath())
    }

    /// Starts receiving a snapshot file in chunks.
    public func receive() throws -> SnapshotReceiver {
        try SnapshotReceiver(store: self, temporaryPath: temporaryPath())
    }

    /// The snapshot files present, newest (highest index) first.
    public func snapshotPaths() throws -> [String] {
        try StorageDirectory.list(directory)
            .compactMap { name in SnapshotFile.parseFileName(name).map { (name, $0.index, $0.term) } }
            .sorted { ($0.1, $0.2) > ($1.1, $1.2) }
            .map { directory + "/" + $0.0 }
    }

    /// The newest valid snapshot, or `nil` if the store holds none. A damaged file is skipped in favor of
    /// the next older one.
    ///
    /// - Throws: ``RaftStorageError/noValidSnapshot(directory:problems:)`` if snapshot files exist but
    ///   none is valid, with the reason for each.
    public func latest() throws -> StoredSnapshot? {
        let paths = try snapshotPaths()
        guard !paths.isEmpty else { return nil }
        var problems: [String] = []
        for path in paths {
            do {
                let file = try StorageFile.openForReading(path)
                let layout: SnapshotFile.Layout
                if let known = state.withLock({ $0.verified[path] }) {
                    layout = known
                } else {
                    layout = try SnapshotFile.verify(file)
                    state.withLock { $0.verified[path] = layout }
                }
                return StoredSnapshot(file: file, layout: layout)
            } catch {
                problems.append("\(error)")
            }
        }
        throw RaftStorageError.noValidSnapshot(directory: directory, problems: problems)
    }

    private func temporaryPath() -> String {
        let number = state.withLock { state -> Int in
            state.nextTemporary += 1
            return state.nextTemporary
        }
        return directory + "/incoming-\(number).tmp"
    }

    /// Moves a complete, synced temporary file into place, durably, and applies the retention.
    func install(temporaryPath: String, metadata: SnapshotMetadata) throws -> StoredSnapshot {
        let path = directory + "/" + SnapshotFile.fileName(metadata)
        try StorageDirectory.rename(temporaryPath, path)
        try StorageDirectory.sync(directory)
        let file = try StorageFile.openForReading(path)
        let layout = try SnapshotFile.readLayout(file)
        state.withLock { $0.verified[path] = layout }
        let stale = try snapshotPaths().dropFirst(Self.retainedCount)
        for old in stale {
            try StorageDirectory.remove(old)
            state.withLock { _ = $0.verified.removeValue(forKey: old) }
        }
        if !stale.isEmpty { try StorageDirectory.sync(directory) }
        return StoredSnapshot(file: file, layout: layout)
    }
}
