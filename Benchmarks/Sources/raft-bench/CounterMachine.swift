import Raft
import Synchronization

/// The benchmark's state machine: it counts applied commands and keeps nothing else, so the
/// measurement is Raft's (log, fsync, transport), not a storage engine's.
final class CounterMachine: RaftStateMachine {
    private let state = Mutex((applied: UInt64(0), commands: UInt64(0)))

    func appliedIndex() throws -> UInt64 { state.withLock { $0.applied } }

    func apply(_ entries: [Entry]) throws -> [UInt64] {
        state.withLock { state in
            entries.map { entry in
                state.applied = entry.index
                if entry.kind == .normal, !entry.data.isEmpty { state.commands += 1 }
                return state.commands
            }
        }
    }

    func sync() throws {}

    func writeSnapshot(to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let (applied, commands) = state.withLock { ($0.applied, $0.commands) }
        try withUnsafeBytes(of: (applied.littleEndian, commands.littleEndian)) { try sink($0) }
    }

    func restore(from read: () throws -> [UInt8], metadata: SnapshotMetadata) throws {
        var bytes: [UInt8] = []
        while true {
            let chunk = try read()
            if chunk.isEmpty { break }
            bytes += chunk
        }
        guard bytes.count == 16 else { throw RaftNodeError.rejected("bad counter snapshot") }
        let values = bytes.withUnsafeBytes { ($0.load(as: UInt64.self), $0.load(fromByteOffset: 8, as: UInt64.self)) }
        state.withLock { $0 = (UInt64(littleEndian: values.0), UInt64(littleEndian: values.1)) }
    }
}
