import Raft
import Synchronization

/// A small key-value state machine for the node tests: an entry's data is `key=value`, applying
/// returns the number of entries applied so far, snapshots are the whole map.
final class NodeTestMachine: RaftStateMachine {
    struct State {
        var values: [String: String] = [:]
        var applied: UInt64 = 0
        var appliedCount = 0
        var restores = 0
    }

    let state = Mutex(State())

    func appliedIndex() throws -> UInt64 { state.withLock { $0.applied } }

    func apply(_ entries: [Entry]) throws -> [Int] {
        state.withLock { state in
            entries.map { entry in
                precondition(entry.index == state.applied + 1 || state.applied == 0 || entry.index > state.applied)
                state.applied = entry.index
                if entry.kind == .normal, !entry.data.isEmpty {
                    let text = String(decoding: entry.data, as: UTF8.self)
                    let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                    if parts.count == 2 { state.values[parts[0]] = parts[1] }
                    state.appliedCount += 1
                }
                return state.appliedCount
            }
        }
    }

    func sync() throws {}

    func writeSnapshot(to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let (values, applied, count) = state.withLock { ($0.values, $0.applied, $0.appliedCount) }
        var text = "\(applied)\n\(count)\n"
        for (key, value) in values.sorted(by: { $0.key < $1.key }) { text += "\(key)=\(value)\n" }
        try Array(text.utf8).withUnsafeBytes { try sink($0) }
    }

    func restore(from read: () throws -> [UInt8], metadata: SnapshotMetadata) throws {
        var bytes: [UInt8] = []
        while true {
            let chunk = try read()
            if chunk.isEmpty { break }
            bytes += chunk
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.count >= 2, let applied = UInt64(lines[0]), let count = Int(lines[1]) else {
            throw RaftNodeError.rejected("bad test snapshot")
        }
        var values: [String: String] = [:]
        for line in lines.dropFirst(2) {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        state.withLock {
            $0.values = values
            $0.applied = applied
            $0.appliedCount = count
            $0.restores += 1
        }
    }

    var values: [String: String] { state.withLock { $0.values } }
    var restores: Int { state.withLock { $0.restores } }
}
