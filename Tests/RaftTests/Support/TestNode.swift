@testable import Raft

/// A core with an in-memory "disk" that persists every Ready at once: the unit tests' driver.
final class TestNode {
    let id: NodeID
    let storage: MemoryLogStorage
    var core: RaftCore
    var hardState: HardState
    /// Every committed entry handed out, in order.
    var applied: [Entry] = []
    /// Every read state handed out.
    var readStates: [ReadState] = []
    /// Every snapshot installed.
    var installedSnapshots: [SnapshotMetadata] = []
    var options: RaftOptions

    /// A node of a new cluster with `voters` (bootstrapped), or a joiner when `bootstrap` is nil.
    init(id: NodeID, bootstrap: Configuration?, configure: (inout RaftOptions) -> Void = { _ in }) throws {
        self.id = id
        var options = RaftOptions(id: id, randomSeed: id &* 7919)
        options.electionTicks = 10
        options.heartbeatTicks = 1
        configure(&options)
        self.options = options
        storage = MemoryLogStorage()
        hardState = HardState()
        core = try RaftCore(options: options, storage: storage, hardState: hardState, bootstrap: bootstrap)
    }

    /// A node restarted over an existing storage and hard state.
    init(id: NodeID, storage: MemoryLogStorage, hardState: HardState, options: RaftOptions) throws {
        self.id = id
        self.storage = storage
        self.hardState = hardState
        self.options = options
        core = try RaftCore(options: options, storage: storage, hardState: hardState)
    }

    /// Rebuilds the core from what is "on disk" (storage and hard state), as after a restart.
    func restart() throws {
        var options = self.options
        options.applied = applied.last?.index ?? 0
        core = try RaftCore(options: options, storage: storage, hardState: hardState)
    }

    /// Persists and applies every Ready; returns the messages to send.
    func drain() throws -> [Message] {
        var messages: [Message] = []
        while core.hasReady {
            let ready = try core.ready()
            if let snapshot = ready.snapshot {
                storage.installSnapshot(snapshot)
                installedSnapshots.append(snapshot)
            }
            storage.append(ready.entries)
            if let state = ready.hardState { hardState = state }
            applied.append(contentsOf: ready.committedEntries)
            readStates.append(contentsOf: ready.readStates)
            messages.append(contentsOf: ready.messages)
            try core.advance()
        }
        return messages
    }

    /// The normal, non-empty entries applied (the commands).
    var commands: [[UInt8]] { applied.filter { $0.kind == .normal && !$0.data.isEmpty }.map(\.data) }

    /// The whole log as stored (after `drain()`).
    func storedLog() throws -> [Entry] {
        guard storage.lastIndex >= storage.firstIndex else { return [] }
        return try storage.entries(in: storage.firstIndex..<(storage.lastIndex + 1), maxBytes: .max)
    }
}
