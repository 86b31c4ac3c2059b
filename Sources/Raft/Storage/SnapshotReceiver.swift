import Synchronization

/// Receives a snapshot file sent in chunks (InstallSnapshot) and installs it in a ``SnapshotStore``
/// once it is complete and verified.
///
/// Chunks are the bytes of the sender's file (``StoredSnapshot/readChunk(at:maxLength:)``) and must come
/// at increasing offsets: a chunk at ``receivedBytes`` extends the file, a chunk wholly or partly
/// before it (a retransmission) is written again harmlessly, a chunk past it is refused.
/// ``finish()`` verifies the whole file (header, trailer, checksum over metadata and data) before it
/// installs it atomically.
///
/// Thread-safe, but meant for one transfer at a time. An abandoned receiver removes its temporary file.
public final class SnapshotReceiver: Sendable {
    private struct State {
        var file: StorageFile?
        var received: Int64 = 0
    }

    private let store: SnapshotStore
    private let temporaryPath: String
    private let state: Mutex<State>

    init(store: SnapshotStore, temporaryPath: String) throws {
        self.store = store
        self.temporaryPath = temporaryPath
        state = Mutex(State(file: try StorageFile.open(temporaryPath, create: true, truncate: true)))
    }

    deinit {
        let abandoned = state.withLock { $0.file != nil }
        if abandoned { try? StorageDirectory.remove(temporaryPath) }
    }

    /// The number of bytes received so far: the offset the next chunk should have.
    public var receivedBytes: Int64 { state.withLock { $0.received } }

    /// Writes a chunk of the snapshot file at `offset`.
    ///
    /// - Throws: ``RaftStorageError/invalidArgument(_:)`` if `offset` is past ``receivedBytes`` (a
    ///   chunk is missing; the sender should resume from `receivedBytes`).
    public func write(_ chunk: [UInt8], at offset: Int64) throws {
        try state.withLock { state in
            guard let file = state.file else { throw RaftStorageError.closed }
            guard offset >= 0, offset <= state.received else {
                throw RaftStorageError.invalidArgument(
                    "snapshot chunk at offset \(offset), but only \(state.received) bytes were received")
            }
            try file.write(chunk, at: offset)
            state.received = max(state.received, offset + Int64(chunk.count))
        }
    }

    /// Verifies the received file and installs it as the store's newest snapshot, durably.
    ///
    /// - Throws: ``RaftStorageError/corruption(file:offset:reason:)`` if the file is incomplete or
    ///   damaged; the temporary file is then removed and nothing is installed.
    public func finish() throws -> StoredSnapshot {
        let file = try state.withLock { state -> StorageFile in
            guard let file = state.file else { throw RaftStorageError.closed }
            state.file = nil
            return file
        }
        let layout: SnapshotFile.Layout
        do {
            layout = try SnapshotFile.verify(file)
            try file.sync()
            try file.close()
        } catch {
            try? file.close()
            try? StorageDirectory.remove(temporaryPath)
            throw error
        }
        return try store.install(temporaryPath: temporaryPath, metadata: layout.metadata)
    }

    /// Discards the transfer and its temporary file.
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
