import Synchronization

/// The durable ``HardState`` (term, vote, commit) in one small file of two alternating slots.
///
/// Each save overwrites the slot that does *not* hold the current state, with a sequence number one
/// higher, and `fdatasync`s it; a torn write can therefore only damage the slot being written, and
/// recovery takes the valid slot with the highest sequence, falling back to the previous state. The
/// slots are 512 bytes apart (one sector each), so a torn sector never touches both. The format is in
/// `doc/raft_storage_format.md`.
///
/// Thread-safe.
public final class HardStateFile: Sendable {
    /// The size of one slot, and the sector alignment of the second.
    static let slotSize = 512
    /// The bytes of a slot that carry data: magic, sequence, term, vote, commit, checksum.
    static let recordSize = 44
    static let magic: [UInt8] = Array("RAFTHS01".utf8)

    private struct State {
        var file: StorageFile?
        var current: HardState
        var sequence: UInt64
        /// The slot holding `current` (0 or 1); the next save writes the other.
        var slot: Int
    }

    private let state: Mutex<State>

    /// The file's path.
    public let path: String

    /// Opens (or creates, durably) the hard state file at `path` and recovers the latest valid state.
    /// A new file holds `HardState()`.
    ///
    /// - Throws: ``RaftStorageError/corruption(file:offset:reason:)`` if neither slot is valid and the
    ///   damage is not a first save torn by a crash.
    public init(path: String) throws {
        self.path = path
        let existed = StorageDirectory.fileExists(path)
        let file = try StorageFile.open(path, create: true)
        if !existed {
            try file.write([UInt8](repeating: 0, count: 2 * Self.slotSize), at: 0)
            try file.sync()
            try StorageDirectory.sync(Self.parentDirectory(of: path))
        }
        let bytes = try file.read(count: 2 * Self.slotSize, at: 0)
        var best: (sequence: UInt64, state: HardState, slot: Int)?
        var damaged: [Int] = []
        for slot in 0..<2 {
            let start = slot * Self.slotSize
            let end = min(bytes.count, start + Self.recordSize)
            let slotBytes = start < end ? Array(bytes[start..<end]) : []
            if slotBytes.allSatisfy({ $0 == 0 }) { continue }
            guard let (sequence, decoded) = Self.decode(slotBytes) else {
                damaged.append(slot)
                continue
            }
            if best == nil || sequence > best?.sequence ?? 0 { best = (sequence, decoded, slot) }
        }
        if best == nil && damaged.count == 2 {
            // Both slots were written once and both are bad: that is damage, not one torn write.
            throw RaftStorageError.corruption(
                file: path, offset: 0, reason: "neither hard state slot holds a valid record")
        }
        // One damaged slot and no valid one is the very first save torn by a crash: nothing was saved.
        let initial = best ?? (0, HardState(), 1)
        state = Mutex(State(file: file, current: initial.state, sequence: initial.sequence, slot: initial.slot))
    }

    /// The current hard state (as of open or the last ``save(_:)``).
    public var current: HardState { state.withLock { $0.current } }

    /// Makes `hardState` durable (one `pwrite` and one `fdatasync`); does nothing if it equals the
    /// current state.
    public func save(_ hardState: HardState) throws {
        try state.withLock { state in
            guard let file = state.file else { throw RaftStorageError.closed }
            guard hardState != state.current else { return }
            let slot = 1 - state.slot
            let bytes = Self.encode(hardState, sequence: state.sequence + 1)
            try file.write(bytes, at: Int64(slot * Self.slotSize))
            try file.sync()
            state.current = hardState
            state.sequence += 1
            state.slot = slot
        }
    }

    /// Closes the file; later saves throw ``RaftStorageError/closed``.
    public func close() throws {
        try state.withLock { state in
            try state.file?.close()
            state.file = nil
        }
    }

    /// A slot's record: `"RAFTHS01" | fixed64 sequence | fixed64 term | fixed64 vote | fixed64 commit |
    /// fixed32 masked CRC-32C of the 40 bytes before it`.
    static func encode(_ hardState: HardState, sequence: UInt64) -> [UInt8] {
        var bytes = magic
        bytes.appendFixed64(sequence)
        bytes.appendFixed64(hardState.term)
        bytes.appendFixed64(hardState.vote)
        bytes.appendFixed64(hardState.commit)
        bytes.appendFixed32(StorageChecksum.mask(StorageChecksum.extend(0, bytes)))
        return bytes
    }

    /// The sequence and state of a slot's record, or `nil` if it is damaged.
    static func decode(_ bytes: [UInt8]) -> (UInt64, HardState)? {
        guard bytes.count == recordSize, Array(bytes[0..<8]) == magic else { return nil }
        var reader = StorageByteReader(bytes, position: 8)
        guard let sequence = reader.readFixed64(), let term = reader.readFixed64(), let vote = reader.readFixed64(),
            let commit = reader.readFixed64(), let stored = reader.readFixed32()
        else { return nil }
        let crc = bytes.withUnsafeBytes { StorageChecksum.extend(0, UnsafeRawBufferPointer(rebasing: $0[0..<40])) }
        guard StorageChecksum.mask(crc) == stored else { return nil }
        return (sequence, HardState(term: term, vote: vote, commit: commit))
    }

    /// The directory part of `path` (`.` for a bare name).
    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
