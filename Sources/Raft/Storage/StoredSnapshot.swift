/// A verified snapshot in a ``SnapshotStore``: its metadata, and ways to read it in chunks.
///
/// It keeps the file open, so it stays readable even after the store's retention deletes the file
/// (a leader can finish sending it while newer snapshots are taken). Thread-safe: reads are `pread`s.
public final class StoredSnapshot: Sendable {
    /// What the snapshot covers.
    public let metadata: SnapshotMetadata
    /// The path the file had when it was opened.
    public let path: String
    /// The size of the whole file, the bytes ``readChunk(at:maxLength:)`` serves.
    public let fileSize: Int64
    /// The size of the application's data inside it.
    public let dataLength: Int64

    let file: StorageFile
    let layout: SnapshotFile.Layout

    init(file: StorageFile, layout: SnapshotFile.Layout) {
        self.file = file
        self.layout = layout
        metadata = layout.metadata
        path = file.path
        fileSize = layout.fileSize
        dataLength = layout.dataLength
    }

    /// Up to `maxLength` bytes of the *file* at `offset` (fewer at its end, none past it): the
    /// chunks of an InstallSnapshot transfer, which a ``SnapshotReceiver`` reassembles and verifies.
    public func readChunk(at offset: Int64, maxLength: Int) throws -> [UInt8] {
        guard offset >= 0, maxLength >= 0 else {
            throw RaftStorageError.invalidArgument("chunk at offset \(offset) of \(maxLength) bytes")
        }
        guard offset < fileSize else { return [] }
        return try file.read(count: Int(min(Int64(maxLength), fileSize - offset)), at: offset)
    }

    /// A reader of the application's data, from its first byte, for restoring the state machine.
    public func dataReader() -> SnapshotDataReader {
        SnapshotDataReader(snapshot: self)
    }
}
