import Dispatch

/// The part of a ``RaftNode`` that its loop owns: the core, the storage, the waiting requests.
/// Not thread-safe; see ``RaftDriverBox``.
final class RaftDriver<Machine: RaftStateMachine> {
    typealias Result = Machine.Result

    private struct WaitingProposal {
        var term: UInt64
        var deadline: DispatchTime
        var continuation: CheckedContinuation<Result, any Error>
    }

    private struct WaitingChange {
        var term: UInt64
        var deadline: DispatchTime
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct WaitingRead {
        var deadline: DispatchTime
        var continuation: CheckedContinuation<UInt64, any Error>
    }

    let id: NodeID
    let machine: Machine
    let options: RaftNodeOptions
    var transport: (any RaftTransport)?
    let tickInterval: DispatchTimeInterval

    private let core: RaftCore
    private let storage: DurableLogStorage
    private let log: SegmentedLog
    private let hardStateFile: HardStateFile
    private let snapshots: SnapshotStore
    private let onLeaderReady: @Sendable (UInt64) -> Void
    private let onRoleChange: @Sendable (RaftRole, NodeID, UInt64) -> Void

    /// The last hard state made durable.
    private var savedHardState: HardState
    /// The index the state machine has applied (entries at or below are never handed to it again).
    private var applied: UInt64
    private var proposals: [UInt64: WaitingProposal] = [:]
    private var changes: [UInt64: WaitingChange] = [:]
    /// Read requests sent to the core, by context.
    private var readsInFlight: [[UInt8]: WaitingRead] = [:]
    /// Reads the core answered, waiting for the machine to apply their index.
    private var readsAnswered: [(index: UInt64, read: WaitingRead)] = []
    private var readCounter: UInt64 = 0
    /// The snapshot being received from the leader, and the one fully received.
    private var receiving: (metadata: SnapshotMetadata, receiver: SnapshotReceiver)?
    private var received: StoredSnapshot?
    /// The latest snapshot's index, and the one before it (the log is compacted up to the older).
    private var snapshotIndex: UInt64
    private var olderSnapshotIndex: UInt64 = 0
    /// The peers the transport was last told about.
    private var knownPeers: [NodeID: String] = [:]
    /// Addresses learned outside the configuration (a joining server knows its cluster's before the
    /// log tells it); the configuration's win.
    var learnedPeers: [NodeID: String] = [:]
    private var lastSoftState = SoftState(leader: 0, role: .follower)
    private var leaderChanges: UInt64 = 0
    /// As leader: the index of this term's first entry; `onLeaderReady` fires once it is applied.
    private var termStartIndex: UInt64?
    private(set) var stoppedReason: String?

    init(
        id: NodeID, directory: String, machine: Machine, bootstrap: Configuration?, options: RaftNodeOptions,
        onLeaderReady: @escaping @Sendable (UInt64) -> Void,
        onRoleChange: @escaping @Sendable (RaftRole, NodeID, UInt64) -> Void
    ) throws {
        self.id = id
        self.machine = machine
        self.options = options
        self.onLeaderReady = onLeaderReady
        self.onRoleChange = onRoleChange
        let nanoseconds =
            options.tickInterval.components.seconds * 1_000_000_000
            + options.tickInterval.components.attoseconds / 1_000_000_000
        tickInterval = .nanoseconds(Int(max(nanoseconds, 1_000_000)))

        snapshots = try SnapshotStore(directory: directory + "/snapshots")
        let latest = try snapshots.latest()
        log = try SegmentedLog(directory: directory + "/log", options: options.log)
        if let snapshot = latest?.metadata {
            // After installing a snapshot the log starts just past it and cannot know its term; only a
            // log that holds the snapshot's index can contradict it.
            let contradicts = log.firstIndex <= snapshot.index && log.term(at: snapshot.index) != snapshot.term
            if log.lastIndex < snapshot.index || contradicts {
                try log.reset(to: snapshot.index)
            }
        }
        hardStateFile = try HardStateFile(path: directory + "/hardstate")
        savedHardState = hardStateFile.current
        storage = DurableLogStorage(log: log, snapshot: latest?.metadata)
        snapshotIndex = latest?.metadata.index ?? 0

        var machineApplied = try machine.appliedIndex()
        if let latest, machineApplied < latest.metadata.index {
            let reader = latest.dataReader()
            try machine.restore(from: { try reader.read(maxLength: 1 << 20) }, metadata: latest.metadata)
            machineApplied = latest.metadata.index
            options.logger("raft: restored the state machine from the snapshot at \(latest.metadata.index)")
        }
        applied = machineApplied

        var coreOptions = RaftOptions(
            id: id, randomSeed: options.randomSeed ?? (id &* 0x9E37_79B9 ^ UInt64(DispatchTime.now().uptimeNanoseconds))
        )
        coreOptions.electionTicks = options.electionTicks
        coreOptions.heartbeatTicks = options.heartbeatTicks
        coreOptions.applied = machineApplied
        core = try RaftCore(options: coreOptions, storage: storage, hardState: savedHardState, bootstrap: bootstrap)
    }

    // MARK: One step of the loop

    /// Feeds the core what arrived, runs `ticks` ticks and handles every Ready that results.
    func step(
        batch: inout RaftNodeInbox<Result>, ticks: Int,
        reportSnapshot: @escaping @Sendable (NodeID, Bool) -> Void
    ) {
        guard stoppedReason == nil else {
            failAll(batch: &batch, error: RaftNodeError.stopped(stoppedReason ?? "stopped"))
            return
        }
        do {
            for report in batch.snapshotReports { core.reportSnapshotStatus(report.peer, succeeded: report.succeeded) }
            if !batch.learnedPeers.isEmpty {
                learnedPeers.merge(batch.learnedPeers) { _, new in new }
                updatePeers()
            }
            for (from, payload) in batch.messages { try receive(from: from, payload: payload) }
            for _ in 0..<ticks { try core.tick() }
            try propose(batch.proposals)
            batch.proposals = []
            for change in batch.changes { propose(change) }
            for read in batch.reads { requestRead(read) }
            for transfer in batch.transfers {
                do {
                    try core.transferLeadership(to: transfer.target)
                    transfer.continuation.resume()
                } catch {
                    transfer.continuation.resume(throwing: translate(error))
                }
            }
            try handleReadies(reportSnapshot: reportSnapshot)
            try maybeSnapshot()
            expireWaiting()
        } catch {
            options.logger("raft: node \(id) stopping after a failure: \(error)")
            stop(reason: "\(error)", pending: &batch)
        }
    }

    /// Fails every waiting request and marks the driver stopped.
    func stop(reason: String, pending batch: inout RaftNodeInbox<Result>) {
        stoppedReason = stoppedReason ?? reason
        failAll(batch: &batch, error: RaftNodeError.stopped(reason))
        try? log.close()
        try? hardStateFile.close()
    }

    private func failAll(batch: inout RaftNodeInbox<Result>, error: RaftNodeError) {
        for proposal in batch.proposals { proposal.continuation.resume(throwing: error) }
        for change in batch.changes { change.continuation.resume(throwing: error) }
        for read in batch.reads { read.resume(throwing: error) }
        for transfer in batch.transfers { transfer.continuation.resume(throwing: error) }
        batch = RaftNodeInbox(stopRequested: batch.stopRequested)
        for (_, waiting) in proposals { waiting.continuation.resume(throwing: error) }
        for (_, waiting) in changes { waiting.continuation.resume(throwing: error) }
        for (_, waiting) in readsInFlight { waiting.continuation.resume(throwing: error) }
        for answered in readsAnswered { answered.read.continuation.resume(throwing: error) }
        proposals = [:]
        changes = [:]
        readsInFlight = [:]
        readsAnswered = []
    }

    // MARK: Inputs

    private func receive(from: NodeID, payload: [UInt8]) throws {
        let message: Message
        do {
            message = try Message(decoding: payload)
        } catch {
            options.logger("raft: dropped a malformed message from \(from): \(error)")
            return
        }
        guard message.from == from, message.to == id else { return }
        if case .installSnapshot(let chunk) = message.body {
            try receiveSnapshotChunk(chunk, message: message)
            return
        }
        try core.step(message)
    }

    /// Appends a streamed chunk to the snapshot being received; steps the core with the last one.
    private func receiveSnapshotChunk(_ chunk: SnapshotChunk, message: Message) throws {
        if chunk.offset == 0 {
            receiving?.receiver.abort()
            receiving = (chunk.metadata, try snapshots.receive())
        }
        guard let current = receiving, current.metadata == chunk.metadata,
            chunk.offset <= UInt64(current.receiver.receivedBytes)
        else { return }
        do {
            try current.receiver.write(chunk.data, at: Int64(chunk.offset))
            guard chunk.done else { return }
            received = try current.receiver.finish()
            receiving = nil
        } catch {
            options.logger("raft: dropped a snapshot transfer from \(message.from): \(error)")
            current.receiver.abort()
            receiving = nil
            return
        }
        try core.step(message)
    }

    private func propose(_ batch: [RaftNodeInbox<Result>.Proposal]) throws {
        guard !batch.isEmpty else { return }
        let range: ClosedRange<UInt64>
        do {
            range = try core.propose(batch: batch.map(\.data))
        } catch {
            let failure = translate(error)
            for proposal in batch { proposal.continuation.resume(throwing: failure) }
            return
        }
        let term = core.currentTerm
        let deadline = (DispatchTime.now() + options.requestTimeout.dispatchInterval)
        for (offset, proposal) in batch.enumerated() {
            proposals[range.lowerBound + UInt64(offset)] = WaitingProposal(
                term: term, deadline: deadline, continuation: proposal.continuation)
        }
    }

    private func propose(_ change: RaftNodeInbox<Result>.Change) {
        do {
            let (index, term) = try core.proposeConfigurationChange(change.change)
            changes[index] = WaitingChange(
                term: term, deadline: (DispatchTime.now() + options.requestTimeout.dispatchInterval),
                continuation: change.continuation)
        } catch {
            change.continuation.resume(throwing: translate(error))
        }
    }

    private func requestRead(_ continuation: CheckedContinuation<UInt64, any Error>) {
        readCounter += 1
        var context: [UInt8] = []
        withUnsafeBytes(of: readCounter.littleEndian) { context.append(contentsOf: $0) }
        do {
            try core.readIndex(context: context)
            readsInFlight[context] = WaitingRead(
                deadline: (DispatchTime.now() + options.requestTimeout.dispatchInterval),
                continuation: continuation)
        } catch {
            continuation.resume(throwing: translate(error))
        }
    }

    private func translate(_ error: any Error) -> RaftNodeError {
        switch error as? RaftError {
        case .notLeader(let leader)?: .notLeader(leader: leader == 0 ? nil : leader)
        case .leadershipTransferInProgress?: .notLeader(leader: nil)
        case .configurationChangeInProgress?: .rejected("a membership change is in progress")
        case .invalidConfigurationChange(let reason)?: .rejected(reason)
        case .invalidArgument(let reason)?: .rejected(reason)
        case nil: .rejected("\(error)")
        }
    }

    // MARK: Ready

    private func handleReadies(reportSnapshot: @escaping @Sendable (NodeID, Bool) -> Void) throws {
        while core.hasReady {
            let ready = try core.ready()
            if let snapshot = ready.snapshot { try install(snapshot) }
            // A leader may replicate its new entries while it writes them itself (Raft thesis
            // §10.2.1): it counts itself towards a commit only once its own write is durable, which
            // the core tracks through `advance()`. Its term was made durable when it campaigned, so
            // nothing in an append depends on this Ready's writes. Everything else waits for the sync.
            var held: [Message] = []
            let sendsEarly =
                core.currentRole == .leader && (ready.hardState?.term ?? savedHardState.term) == savedHardState.term
            for message in ready.messages {
                if sendsEarly, case .appendEntries = message.body {
                    send(message, reportSnapshot: reportSnapshot)
                } else {
                    held.append(message)
                }
            }
            if let first = ready.entries.first {
                if first.index <= log.lastIndex { try log.truncate(after: first.index - 1) }
                try log.append(ready.entries)
            }
            if ready.mustSync || !ready.entries.isEmpty { try log.sync() }
            if let hardState = ready.hardState,
                hardState.term != savedHardState.term || hardState.vote != savedHardState.vote
            {
                // Term and vote must be durable before any message that depends on them leaves; the
                // commit index rides along (it is only a hint after a restart).
                try hardStateFile.save(hardState)
                savedHardState = hardState
            }
            if let softState = ready.softState { roleChanged(softState, entries: ready.entries) }
            if lastSoftState.role == .leader, termStartIndex == nil,
                let first = ready.entries.first(where: { $0.term == core.currentTerm })
            {
                termStartIndex = first.index
            }
            for message in held { send(message, reportSnapshot: reportSnapshot) }
            try apply(ready.committedEntries)
            for state in ready.readStates {
                if let waiting = readsInFlight.removeValue(forKey: state.context) {
                    readsAnswered.append((state.index, waiting))
                }
            }
            serveReads()
            try core.advance()
            updatePeers()
        }
    }

    private func roleChanged(_ softState: SoftState, entries: [Entry]) {
        if softState.leader != lastSoftState.leader { leaderChanges += 1 }
        if softState.role != lastSoftState.role || softState.leader != lastSoftState.leader {
            options.logger(
                "raft: node \(id) is \(softState.role) in term \(core.currentTerm), leader \(softState.leader)")
            onRoleChange(softState.role, softState.leader, core.currentTerm)
        }
        if softState.role != .leader {
            termStartIndex = nil
        } else if lastSoftState.role != .leader {
            termStartIndex = nil
        }
        lastSoftState = softState
    }

    private func send(_ message: Message, reportSnapshot: @escaping @Sendable (NodeID, Bool) -> Void) {
        guard let transport else { return }
        if case .installSnapshot(let request) = message.body {
            streamSnapshot(request.metadata, to: message.to, term: message.term, via: transport, report: reportSnapshot)
            return
        }
        transport.send(message.encoded(), to: message.to)
    }

    /// Streams the stored snapshot `metadata` names to `peer` in chunks, off the loop.
    private func streamSnapshot(
        _ metadata: SnapshotMetadata, to peer: NodeID, term: UInt64, via transport: any RaftTransport,
        report: @escaping @Sendable (NodeID, Bool) -> Void
    ) {
        let stored: StoredSnapshot
        do {
            guard let latest = try snapshots.latest(), latest.metadata == metadata else {
                report(peer, false)
                return
            }
            stored = latest
        } catch {
            report(peer, false)
            return
        }
        let from = id
        let chunkSize = options.snapshotChunkSize
        let logger = options.logger
        DispatchQueue.global().async {
            // The chunks carry the stored file itself (header, data, checksum): the receiver writes
            // them as they come and verifies the whole file at the end.
            var offset: UInt64 = 0
            do {
                repeat {
                    let data = try stored.readChunk(at: Int64(offset), maxLength: chunkSize)
                    let done = Int64(offset) + Int64(data.count) >= stored.fileSize
                    let chunk = SnapshotChunk(metadata: metadata, offset: offset, data: data, done: done)
                    transport.send(
                        Message(from: from, to: peer, term: term, body: .installSnapshot(chunk)).encoded(), to: peer)
                    offset += UInt64(data.count)
                    if done { break }
                } while true
                logger("raft: sent the snapshot at \(metadata.index) (\(offset) bytes) to \(peer)")
                report(peer, true)
            } catch {
                logger("raft: sending the snapshot to \(peer) failed: \(error)")
                report(peer, false)
            }
        }
    }

    /// Installs the snapshot received from the leader: state machine, then log and storage.
    private func install(_ metadata: SnapshotMetadata) throws {
        guard let stored = received, stored.metadata == metadata else {
            throw RaftNodeError.stopped("the core installed a snapshot that was not received")
        }
        received = nil
        let reader = stored.dataReader()
        try machine.restore(from: { try reader.read(maxLength: 1 << 20) }, metadata: metadata)
        try log.reset(to: metadata.index)
        storage.snapshotMetadata = metadata
        olderSnapshotIndex = snapshotIndex
        snapshotIndex = metadata.index
        applied = max(applied, metadata.index)
        options.logger("raft: node \(id) installed the snapshot at \(metadata.index)")
    }

    private func apply(_ entries: [Entry]) throws {
        let fresh = entries.filter { $0.index > applied }
        guard !fresh.isEmpty else { return }
        let results = try machine.apply(fresh)
        for (entry, result) in zip(fresh, results) {
            if let waiting = proposals.removeValue(forKey: entry.index) {
                if waiting.term == entry.term {
                    waiting.continuation.resume(returning: result)
                } else {
                    waiting.continuation.resume(throwing: RaftNodeError.proposalDropped)
                }
            }
            if let waiting = changes.removeValue(forKey: entry.index) {
                if waiting.term == entry.term {
                    waiting.continuation.resume()
                } else {
                    waiting.continuation.resume(throwing: RaftNodeError.proposalDropped)
                }
            }
        }
        if let last = fresh.last?.index { applied = last }
        if let start = termStartIndex, lastSoftState.role == .leader, applied >= start {
            termStartIndex = .max
            onLeaderReady(core.currentTerm)
        }
    }

    private func serveReads() {
        guard !readsAnswered.isEmpty else { return }
        var waiting: [(index: UInt64, read: WaitingRead)] = []
        for answered in readsAnswered {
            if answered.index <= applied {
                answered.read.continuation.resume(returning: answered.index)
            } else {
                waiting.append(answered)
            }
        }
        readsAnswered = waiting
    }

    /// Fails requests whose deadline passed.
    private func expireWaiting() {
        let now = DispatchTime.now()
        for (index, waiting) in proposals where waiting.deadline < now {
            proposals[index] = nil
            waiting.continuation.resume(throwing: RaftNodeError.timedOut)
        }
        for (index, waiting) in changes where waiting.deadline < now {
            changes[index] = nil
            waiting.continuation.resume(throwing: RaftNodeError.timedOut)
        }
        for (context, waiting) in readsInFlight where waiting.deadline < now {
            readsInFlight[context] = nil
            waiting.continuation.resume(throwing: RaftNodeError.timedOut)
        }
        readsAnswered.removeAll { answered in
            guard answered.read.deadline < now else { return false }
            answered.read.continuation.resume(throwing: RaftNodeError.timedOut)
            return true
        }
    }

    // MARK: Snapshots and peers

    /// Takes a snapshot once enough entries were applied since the last one, then compacts the log
    /// up to the older retained snapshot.
    private func maybeSnapshot() throws {
        guard applied >= snapshotIndex + options.snapshotInterval else { return }
        // The core refuses while a snapshot from the leader is being installed: try again later.
        guard let metadata = try? core.snapshotMetadata(at: applied) else { return }
        try machine.sync()
        let writer = try snapshots.create(metadata: metadata)
        do {
            try machine.writeSnapshot { try writer.write($0) }
            _ = try writer.commit()
        } catch {
            writer.abort()
            throw error
        }
        storage.snapshotMetadata = metadata
        olderSnapshotIndex = snapshotIndex
        snapshotIndex = metadata.index
        if olderSnapshotIndex > 0, olderSnapshotIndex <= log.lastIndex, olderSnapshotIndex >= log.firstIndex {
            try log.compact(upTo: olderSnapshotIndex)
        }
        options.logger("raft: node \(id) took a snapshot at \(metadata.index)")
    }

    /// Tells the transport where the members of the latest configuration listen.
    func updatePeers() {
        var peers = learnedPeers
        peers[id] = nil
        for member in core.configuration.members where member.id != id { peers[member.id] = member.address }
        guard peers != knownPeers, let transport else { return }
        knownPeers = peers
        transport.updatePeers(peers)
    }

    func currentStatus() -> RaftNodeStatus {
        let status = core.status
        return RaftNodeStatus(
            id: id, role: status.role, term: status.term, leader: status.leader, commitIndex: status.commit,
            appliedIndex: applied, configuration: status.configuration, snapshotIndex: snapshotIndex,
            leaderChanges: leaderChanges, matchIndex: status.progress.mapValues(\.match), stoppedReason: stoppedReason)
    }
}

extension Duration {
    /// The duration as a Dispatch interval (nanoseconds).
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        return .nanoseconds(Int(clamping: seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }
}
