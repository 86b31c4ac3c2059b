import Synchronization

/// Writes one snapshot to a ``SnapshotStore`` as a stream: the application writes its state in chunks
/// of any size, never needing it all in memory, then ``commit()`` makes it durable and visible.
///
/// The bytes go to a temporary file; `commit` appends the trailer, `fdatasync`s, renames the file into
/// place and `fsync`s the directory, then deletes all but the two newest snapshots. A writer neither
/// committed nor aborted removes its temporary file when it goes away.
///
/// Thread-safe, but meant for one writer at a time.
public final class SnapshotWriter: Sendable {
    private struct State {
        var file: StorageFile?
        var buffer: [UInt8] = []
        var written: Int64
        var dataLength: Int64 = 0
        var crc: UInt32
    }

    /// Writes are gathered up to this size before a `pwrite`.
    private static let bufferSize = 1 << 20

    /// What the snapshot covers.
    public let metadata: SnapshotMetadata
    private let store: SnapshotStore
    private let temporaryPath: String
    private let state: Mutex<State>

    init(store: SnapshotStore, metadata: SnapshotMetadata, temporaryPath: String) throws {
        self.store = store
        self.metadata = metadata
        self.temporaryPath = temporaryPath
        let file = try StorageFile.open(temporaryPath, create: true, truncate: true)
        let header = SnapshotFile.header(for: metadata)
        try file.write(header.bytes, at: 0)
        state = Mutex(State(file: file, written: Int64(header.bytes.count), crc: header.metadataCRC))
    }

    deinit {
        let abandoned = state.withLock { $0.file != nil }
        if abandoned { try? StorageDirectory.remove(temporaryPath) }
    }

    /// Appends `bytes` to the snapshot's data.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Appends `bytes` to the snapshot's data.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try state.withLock { state in
            guard let file = state.file else { throw RaftStorageError.closed }
            state.crc = StorageChecksum.extend(state.crc, bytes)
            state.dataLength += Int64(bytes.count)
            state.buffer.append(contentsOf: bytes)
            if state.buffer.count >= Self.bufferSize {
                try file.write(state.buffer, at: state.written)
                state.written += Int64(state.buffer.count)
                state.buffer.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Makes the snapshot durable and the store's newest; deletes snapshots older than the two newest.
    /// Returns the installed snapshot, open for reading.
    public func commit() throws -> StoredSnapshot {
        let file = try state.withLock { state -> StorageFile in
            guard let file = state.file else { throw RaftStorageError.closed }
            state.buffer.append(contentsOf: SnapshotFile.trailer(dataLength: state.dataLength, crc: state.crc))
            try file.write(state.buffer, at: state.written)
            state.written += Int64(state.buffer.count)
            state.buffer = []
            try file.sync()
            state.file = nil
            return file
        }
        try file.close()
        return try store.install(temporaryPath: temporaryPath, metadata: metadata)
    }

    /// Discards the snapshot and its temporary file.
    public func abort() {
        let file = state.withLock { state -> StorageFile? in
            defer { state.file = nil }
            return state.file
        }
        guard let file else { return }
        try? file.close()
        try? StorageDirectory.remove(temporaryPath)
    }
}
