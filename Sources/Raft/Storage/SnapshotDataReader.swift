import Synchronization

/// Reads a snapshot's application data in chunks, verifying the snapshot's checksum when the last
/// byte has been read.
///
/// Thread-safe, but meant for one reader at a time.
public final class SnapshotDataReader: Sendable {
    private struct State {
        var position: Int64 = 0
        var crc: UInt32
    }

    private let snapshot: StoredSnapshot
    private let state: Mutex<State>

    init(snapshot: StoredSnapshot) {
        self.snapshot = snapshot
        state = Mutex(State(crc: snapshot.layout.metadataCRC))
    }

    /// The number of data bytes not read yet.
    public var remaining: Int64 { state.withLock { snapshot.dataLength - $0.position } }

    /// The next up to `maxLength` data bytes; an empty array once all were read.
    ///
    /// - Throws: ``RaftStorageError/corruption(file:offset:reason:)`` with the last chunk if the data
    ///   read does not match the snapshot's checksum (the file changed since it was verified).
    public func read(maxLength: Int = 1 << 20) throws -> [UInt8] {
        try state.withLock { state in
            let layout = snapshot.layout
            let left = layout.dataLength - state.position
            guard left > 0 else {
                // An empty snapshot's checksum covers its metadata only; check it on the first read.
                if layout.dataLength == 0 && StorageChecksum.mask(state.crc) != layout.storedCRC {
                    throw RaftStorageError.corruption(
                        file: snapshot.path, offset: layout.dataOffset, reason: "checksum over metadata mismatch")
                }
                return []
            }
            guard maxLength > 0 else { return [] }
            let count = Int(min(Int64(maxLength), left))
            let chunk = try snapshot.file.readExactly(count: count, at: layout.dataOffset + state.position)
            state.crc = StorageChecksum.extend(state.crc, chunk)
            state.position += Int64(count)
            if state.position == layout.dataLength && StorageChecksum.mask(state.crc) != layout.storedCRC {
                throw RaftStorageError.corruption(
                    file: snapshot.path, offset: layout.dataOffset + layout.dataLength,
                    reason: "checksum over metadata and data mismatch")
            }
            return chunk
        }
    }
}
