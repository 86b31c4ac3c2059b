import BTree
import Foundation
import LSM
import Raft
import Synchronization

/// raftd's replicated state: the B+tree (user keys, cluster metadata) and the LSM tree (leases),
/// driven by the Raft log.
///
/// Each command touches one engine, as one atomic write there; a run of key commands shares one
/// B+tree transaction. Each engine records the last index applied to it in the same write, so after a
/// restart an entry is applied again only to an engine that has not seen it (see ``apply(_:)``).
///
/// The engines live in the live generation directory of ``StateGenerations``; a snapshot restore
/// builds a new generation and switches to it atomically.
final class ServerStateMachine: RaftStateMachine {
    typealias Result = CommandResult

    /// The open engines of the live generation.
    struct Engines: Sendable {
        var keys: KeyValueStore
        var leases: LeaseStore
        var generation: UInt64
        /// Entries at or below these indexes are already in the engine (read once at open).
        var keysApplied: UInt64
        var leasesApplied: UInt64
    }

    static let snapshotMagic: [UInt8] = Array("RAFTDSM1".utf8)

    private let generations: StateGenerations
    private let lsmOptions: LSMOptions
    private let engines: Mutex<Engines>
    /// Called on the applying thread after each command (the lease manager keeps time from it).
    /// The hook lives in a struct: a bare function type in a `Mutex` is reabstracted on every
    /// `withLock` (its `inout` goes through a generic), and the write-back wraps it in two more
    /// thunks each time, so after n calls invoking it recursed through 2n thunks.
    private struct AppliedHook: Sendable {
        let call: @Sendable (Command, ApplyOutcome) -> Void
    }
    private let onApplied = Mutex<AppliedHook?>(nil)
    /// Applied key commands not yet committed to the B+tree.
    let pendingKeys = KeyWriteBuffer()
    /// Cleared by ``close()`` to stop the flusher.
    private let flusherRunning = Atomic<Bool>(true)
    private let flushQueue = DispatchQueue(label: "raftd-kv-flush")

    /// Opens the state under `directory` (the node's `DATA_DIR/state`), creating it when new.
    init(directory: String, lsmOptions: LSMOptions = LSMOptions()) throws {
        generations = StateGenerations(root: directory)
        self.lsmOptions = lsmOptions
        let live = try generations.openLive()
        engines = Mutex(try Self.openEngines(in: generations.directory(of: live), generation: live, lsm: lsmOptions))
        scheduleFlush()
    }

    /// Checks for due key commands every 5 ms, off the apply path (it blocks on fsync).
    private func scheduleFlush() {
        flushQueue.asyncAfter(deadline: .now() + KeyWriteBuffer.maxDelay) { [weak self] in
            guard let self, self.flusherRunning.load(ordering: .acquiring) else { return }
            self.flushIfDue()
            self.scheduleFlush()
        }
    }

    /// Commits pending key commands that waited long enough (the timer's job).
    private func flushIfDue() {
        guard pendingKeys.isDue else { return }
        do {
            try pendingKeys.flush(into: current.keys)
        } catch {
            // The next apply or sync flushes again and reports the failure to Raft, which stops.
        }
    }

    /// The value of user key `key`, including applied writes not yet committed to the B+tree.
    func value(of key: [UInt8]) throws -> [UInt8]? {
        if let pending = pendingKeys.pendingValue(of: key) { return pending }
        return try current.keys.get(key)
    }

    private static func openEngines(in directory: String, generation: UInt64, lsm: LSMOptions) throws -> Engines {
        let keys = try KeyValueStore(path: directory + "/kv.db")
        let leases = try LeaseStore(directory: directory + "/leases", options: lsm)
        return Engines(
            keys: keys, leases: leases, generation: generation, keysApplied: try keys.appliedIndex(),
            leasesApplied: try leases.appliedIndex())
    }

    /// The current engines (a restore may replace them; hold the returned value only briefly).
    var current: Engines { engines.withLock { $0 } }

    /// Sets the hook called after each applied command.
    func setOnApplied(_ hook: (@Sendable (Command, ApplyOutcome) -> Void)?) {
        onApplied.withLock { $0 = hook.map(AppliedHook.init) }
    }

    /// Closes both engines.
    func close() throws {
        flusherRunning.store(false, ordering: .releasing)
        flushQueue.sync {}
        try pendingKeys.flush(into: current.keys)
        let live = current
        try live.keys.close()
        try live.leases.close()
    }

    // MARK: RaftStateMachine

    func appliedIndex() throws -> UInt64 {
        let live = current
        return min(live.keysApplied, live.leasesApplied)
    }

    func apply(_ entries: [Entry]) throws -> [CommandResult] {
        let live = current
        let hook = onApplied.withLock { $0?.call }
        var results: [CommandResult] = []
        results.reserveCapacity(entries.count)
        var keyCommands: [Command] = []
        var lastKeyIndex: UInt64 = 0
        for entry in entries {
            guard entry.kind == .normal, !entry.data.isEmpty else {
                results.append(.none)
                continue
            }
            let command: Command
            do {
                command = try Command(decoding: entry.data)
            } catch {
                results.append(.rejected("\(error)"))
                continue
            }
            if command.isKeyCommand {
                if entry.index > live.keysApplied {
                    keyCommands.append(command)
                    lastKeyIndex = entry.index
                }
                results.append(.applied(.done))
                hook?(command, .done)
            } else {
                let outcome: ApplyOutcome
                if entry.index > live.leasesApplied {
                    outcome = try live.leases.apply(command, at: entry.index)
                } else {
                    outcome = .done
                }
                results.append(.applied(outcome))
                hook?(command, outcome)
            }
        }
        if !keyCommands.isEmpty {
            // Membership changes are rare and read from the B+tree: commit them at once.
            let urgent = keyCommands.contains { !$0.isUserKeyCommand }
            if pendingKeys.add(keyCommands, lastIndex: lastKeyIndex) || urgent {
                try pendingKeys.flush(into: live.keys)
            }
        }
        if let last = entries.last?.index, last > live.leasesApplied {
            try live.leases.markApplied(last, sync: false)
            engines.withLock { engines in
                engines.leasesApplied = max(engines.leasesApplied, last)
                engines.keysApplied = max(engines.keysApplied, lastKeyIndex)
            }
        }
        return results
    }

    func sync() throws {
        let live = current
        try pendingKeys.flush(into: live.keys)
        try live.leases.markApplied(live.leasesApplied, sync: true)
        if live.keysApplied < live.leasesApplied {
            try live.keys.apply([], lastIndex: live.leasesApplied)
            engines.withLock { $0.keysApplied = max($0.keysApplied, live.leasesApplied) }
        }
    }

    /// Stream: `"RAFTDSM1" | fixed64 btreeLength | B+tree file bytes | LSM pairs | varint 0`, each pair
    /// `varint keyLength | key | varint valueLength | value` (keys are never empty).
    func writeSnapshot(to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let live = current
        try pendingKeys.flush(into: live.keys)
        try Self.snapshotMagic.withUnsafeBytes { try sink($0) }
        try live.keys.db.view { tx in
            var header: [UInt8] = []
            ByteWriter.appendFixed64(&header, UInt64(tx.size))
            try header.withUnsafeBytes { try sink($0) }
            let written = try tx.write(to: sink)
            guard written == tx.size else {
                throw StateMachineError.storage("B+tree copy wrote \(written) of \(tx.size) bytes")
            }
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        try live.leases.forEachRaw { key, value in
            ByteWriter.appendBytes(&buffer, key)
            ByteWriter.appendBytes(&buffer, value)
            if buffer.count >= 1 << 20 {
                try buffer.withUnsafeBytes { try sink($0) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        ByteWriter.appendVarint(&buffer, 0)
        try buffer.withUnsafeBytes { try sink($0) }
    }

    func restore(from read: () throws -> [UInt8], metadata: SnapshotMetadata) throws {
        try withoutActuallyEscaping(read) { read in
            var reader = ChunkReader(read)
            guard try reader.bytes(Self.snapshotMagic.count) == Self.snapshotMagic else {
                throw StateMachineError.corruptRecord("not a raftd state snapshot")
            }
            // Commit what is pending to the live state first: if the restore fails, that state stays.
            let old = current
            try pendingKeys.flush(into: old.keys)
            let generation = old.generation + 1
            let directory = try generations.prepare(generation)

            // The B+tree file, byte for byte.
            var header = ByteParser(try reader.bytes(8))
            guard let length = header.fixed64(), length <= UInt64(Int.max) else {
                throw StateMachineError.corruptRecord("bad B+tree length in snapshot")
            }
            let path = directory + "/kv.db"
            guard FileManager.default.createFile(atPath: path, contents: nil),
                let file = FileHandle(forWritingAtPath: path)
            else { throw StateMachineError.storage("cannot create \(path)") }
            try reader.read(Int(length)) { piece in try file.write(contentsOf: piece) }
            try file.synchronize()
            try file.close()

            // The LSM pairs, in batches.
            let leases = try LeaseStore(directory: directory + "/leases", options: lsmOptions)
            var batch = WriteBatch()
            while true {
                let keyLength = try reader.varint()
                if keyLength == 0 { break }
                guard keyLength <= 1 << 20 else { throw StateMachineError.corruptRecord("snapshot key too long") }
                let key = try reader.bytes(Int(keyLength))
                let valueLength = try reader.varint()
                guard valueLength <= 1 << 30 else { throw StateMachineError.corruptRecord("snapshot value too long") }
                batch.put(key, try reader.bytes(Int(valueLength)))
                if batch.approximateSize >= 1 << 20 {
                    try leases.writeRaw(batch, sync: false)
                    batch = WriteBatch()
                }
            }
            guard try reader.atEnd() else { throw StateMachineError.corruptRecord("trailing bytes in snapshot") }
            try leases.writeRaw(batch, sync: false)
            try leases.markApplied(metadata.index, sync: true)
            try leases.close()
            let keys = try KeyValueStore(path: path)
            try keys.apply([], lastIndex: metadata.index)
            try keys.close()
            try StateGenerations.syncDirectory(directory)

            // Switch: from here on a restart opens the new generation.
            try generations.switchLive(to: generation)
            let fresh = try Self.openEngines(in: directory, generation: generation, lsm: lsmOptions)
            engines.withLock { $0 = fresh }
            // Reads that picked up the old engines just before the switch finish on them: close and
            // delete the old generation a little later rather than under their feet.
            let generations = generations
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(2)) {
                try? old.keys.close()
                try? old.leases.close()
                generations.remove(old.generation)
            }
        }
    }
}

extension Command {
    /// Whether the command changes a user key (not cluster metadata).
    var isUserKeyCommand: Bool {
        switch self {
        case .put, .delete: true
        default: false
        }
    }

    /// Whether the command changes the B+tree (user keys, cluster metadata) rather than the leases.
    var isKeyCommand: Bool {
        switch self {
        case .put, .delete, .setMember, .removeMember: true
        case .grant, .keepalive, .revoke, .expire: false
        }
    }
}
