/// A piece of a snapshot in an ``MessageBody/installSnapshot(_:)`` message.
///
/// The core's leader emits one chunk with `offset` 0, empty `data` and `done` set: a request to send
/// the snapshot `metadata` describes. The driver reads the application's snapshot bytes and sends
/// them as a sequence of chunks (`offset` = bytes sent before this chunk, the last with `done`). The
/// receiving driver appends chunks in order (dropping the transfer on a gap) and, once the chunk with
/// `done` completes it, steps that last chunk's message into its core. The core only ever looks at
/// `metadata` of a chunk with `done` set.
public struct SnapshotChunk: Sendable, Hashable {
    /// What the snapshot covers.
    public var metadata: SnapshotMetadata
    /// The byte offset of `data` in the snapshot.
    public var offset: UInt64
    /// The chunk's bytes.
    public var data: [UInt8]
    /// Whether this is the last chunk.
    public var done: Bool

    /// Creates a chunk.
    public init(metadata: SnapshotMetadata, offset: UInt64 = 0, data: [UInt8] = [], done: Bool = true) {
        self.metadata = metadata
        self.offset = offset
        self.data = data
        self.done = done
    }
}
