@testable import Raft

/// One simulated server: its core, its disk, the live log storage the core reads, and the
/// application state (lost in a crash, rebuilt from the disk's snapshot and log on restart).
final class SimNode {
    let id: NodeID
    /// The configuration a founding member bootstraps with (nil for a server that joins later).
    let bootstrap: Configuration?
    var options: RaftOptions
    var core: RaftCore?
    var storage = MemoryLogStorage()
    var disk = SimDisk()
    var kv = KVStateMachine()
    /// The index of the last entry applied to `kv`.
    var applied: UInt64 = 0
    /// The Ready written to disk and waiting for its sync.
    var outstanding: Ready?
    /// Bumped at each crash, so a sync completion scheduled before the crash is ignored.
    var generation: UInt64 = 0
    /// Snapshot transfers being received, by sender.
    var assemblies: [NodeID: (metadata: SnapshotMetadata, data: [UInt8])] = [:]
    /// Snapshots received whole and stepped into the core, by index, until the core installs one.
    var receivedSnapshots: [UInt64: [UInt8]] = [:]
    /// Read answers waiting for their index to be applied.
    var waitingReads: [ReadState] = []
    /// Proposals made here, by log index.
    var proposals: [UInt64: (term: UInt64, data: [UInt8], client: Int, sequence: UInt64)] = [:]
    /// Reads asked here, by context.
    var reads: [[UInt8]: (client: Int, sequence: UInt64, key: UInt64)] = [:]
    /// The last term in which the checker saw this node lead.
    var observedLeaderTerm: UInt64 = 0
    /// The highest commit index the checker recorded from this node as leader.
    var observedCommit: UInt64 = 0

    init(id: NodeID, bootstrap: Configuration?, options: RaftOptions) {
        self.id = id
        self.bootstrap = bootstrap
        self.options = options
    }

    var isUp: Bool { core != nil }

    /// Starts (or restarts) the server from what its disk holds.
    func start() throws {
        let state = disk.synced
        storage = MemoryLogStorage(snapshot: state.snapshot?.metadata)
        if state.base.index > (state.snapshot?.metadata.index ?? 0) {
            // The disk compacted past its snapshot index cannot happen; a mismatch is a sim bug.
            throw TestFailure("disk of \(id) compacted past its snapshot")
        }
        // The storage starts at the snapshot; the disk may keep entries from before it as well.
        let snapshotIndex = state.snapshot?.metadata.index ?? 0
        let entries = state.entries.filter { $0.index > snapshotIndex }
        if let first = entries.first, first.index != snapshotIndex + 1 {
            throw TestFailure("disk of \(id) has a gap after its snapshot")
        }
        storage.append(entries)
        if let snapshot = state.snapshot {
            kv = try KVStateMachine(snapshot: snapshot.data)
            applied = snapshot.metadata.index
        } else {
            kv = KVStateMachine()
            applied = 0
        }
        var options = self.options
        options.applied = applied
        options.randomSeed = options.randomSeed &+ generation &* 0x9E37_79B9
        core = try RaftCore(options: options, storage: storage, hardState: state.hardState, bootstrap: bootstrap)
        outstanding = nil
        assemblies = [:]
        receivedSnapshots = [:]
        waitingReads = []
        proposals = [:]
        reads = [:]
        observedLeaderTerm = 0
        observedCommit = 0
    }

    /// A crash: the core and every volatile state are gone; the disk keeps what it synced.
    func crash(random: inout SimRandom) {
        core = nil
        outstanding = nil
        generation += 1
        disk.crash(random: &random)
    }
}
