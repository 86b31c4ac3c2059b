/// The Raft protocol as a deterministic state machine: no I/O, no clock, no threads, no randomness of
/// its own. A driver feeds it ticks, messages and requests, and carries out what it returns.
///
/// Inputs: ``tick()``, ``step(_:)``, ``propose(_:)``, ``proposeConfigurationChange(_:)``,
/// ``readIndex(context:)``, ``transferLeadership(to:)``, ``reportUnreachable(_:)``,
/// ``reportSnapshotStatus(_:succeeded:)``. Output: ``ready()`` gathers what to persist, send and
/// apply (see ``Ready`` for the order the driver must follow); ``advance()`` acknowledges it.
///
/// ```swift
/// let core = try RaftCore(options: RaftOptions(id: 1), storage: storage, hardState: saved)
/// // on a timer: try core.tick();  on a message: try core.step(message)
/// while core.hasReady {
///     let ready = try core.ready()
///     persist(ready)                 // snapshot, entries, hard state; sync if ready.mustSync
///     send(ready.messages)           // only after the persist completed
///     apply(ready.committedEntries)  // and serve ready.readStates
///     core.advance()
/// }
/// ```
///
/// Errors thrown by the storage's reads (other than ``LogStorageError``) propagate out of these
/// methods; the core is then in an unknown state and must be rebuilt from durable state. The core is
/// not thread-safe: use it from one isolation domain (the driver's).
public final class RaftCore {
    /// This server's id.
    public let id: NodeID
    /// The options it was created with.
    let options: RaftOptions
    /// The log: durable storage plus the unstable tail.
    var log: RaftLog
    /// The current term.
    var term: UInt64 = 0
    /// The candidate voted for in `term`, or 0.
    var vote: NodeID = 0
    /// The current role.
    var role: RaftRole = .follower
    /// The known leader, or 0.
    var leader: NodeID = 0
    /// The configurations of the log.
    var configurations: ConfigurationHistory
    /// On a leader, what it knows of each member (itself included).
    var progress: [NodeID: Progress] = [:]
    /// In an election, the answers received (true = granted).
    var votes: [NodeID: Bool] = [:]
    /// Ticks since the last election timeout reset (for a leader: since the last check-quorum round).
    var electionElapsed = 0
    /// Ticks since the last heartbeat (leader only).
    var heartbeatElapsed = 0
    /// The election timeout drawn for this term.
    var randomizedElectionTimeout = 0
    /// The generator of election timeouts.
    var random: SeededRandom
    /// On a leader handing leadership over, the target, else 0.
    var leadTransferee: NodeID = 0
    /// The leader's ReadIndex requests waiting for a heartbeat quorum.
    var readIndexQueue = ReadIndexQueue()
    /// ReadIndex requests a new leader received before it committed an entry of its term.
    var deferredReadRequests: [(from: NodeID, context: [UInt8])] = []
    /// Messages to send with the next Ready.
    var outbox: [Message] = []
    /// Read answers for the next Ready.
    var pendingReadStates: [ReadState] = []
    /// The soft state the last Ready reported.
    var reportedSoftState: SoftState
    /// The hard state the last Ready asked to persist (or the one the core started from).
    var reportedHardState: HardState
    /// What the outstanding Ready handed out, to be acknowledged by `advance()`.
    var outstanding: OutstandingReady?

    /// What a Ready handed out.
    struct OutstandingReady {
        /// The last entry to persist, with its term.
        var lastEntry: (index: UInt64, term: UInt64)?
        /// The snapshot to install.
        var snapshotIndex: UInt64?
        /// The last committed entry handed out for applying.
        var lastCommitted: UInt64?
    }

    /// Creates a core over `storage`, restarting from the durable `hardState` (a fresh server passes
    /// `HardState()`).
    ///
    /// The configuration comes from the log: the latest configuration entry, else the storage's
    /// snapshot. To start a new cluster, give every founding server the same `bootstrap`
    /// configuration: a server whose storage and hard state are empty then writes a committed
    /// configuration entry at index 1, term 1 in its first Ready. A server that joins an existing
    /// cluster passes `nil` and waits for the leader to send it the log.
    ///
    /// - Throws: ``RaftError/invalidArgument(_:)`` for unusable options or bootstrap, or the storage's
    ///   read errors.
    public init(
        options: RaftOptions, storage: any LogStorage, hardState: HardState = HardState(),
        bootstrap: Configuration? = nil
    ) throws {
        try options.validate()
        id = options.id
        self.options = options
        random = SeededRandom(seed: options.randomSeed)
        log = RaftLog(storage: storage)
        let snapshot = storage.snapshotMetadata
        let compactionPoint = storage.firstIndex - 1
        configurations = ConfigurationHistory(
            base: snapshot?.configuration ?? Configuration(), at: snapshot?.index ?? compactionPoint)
        term = hardState.term
        vote = hardState.vote
        reportedHardState = hardState
        reportedSoftState = SoftState(leader: 0, role: .follower)

        let isEmpty = storage.lastIndex == 0 && snapshot == nil && hardState == HardState()
        if let bootstrap, isEmpty {
            guard !bootstrap.voters.isEmpty else { throw RaftError.invalidArgument("bootstrap has no voter") }
            guard bootstrap.members.allSatisfy({ $0.id != 0 }) else {
                throw RaftError.invalidArgument("bootstrap names node 0")
            }
            let payload = ConfigurationEntry(change: nil, configuration: bootstrap).encoded()
            log.append([Entry(term: 1, index: 1, kind: .configurationChange, data: payload)])
            configurations.append(bootstrap, at: 1)
            term = 1
            log.committed = 1
        } else {
            try loadConfigurations(from: storage)
            // A hard state written apart from the log may be ahead of it after a crash, or behind a
            // snapshot; the commit index is only a hint, so it is clamped rather than trusted.
            log.committed = min(max(hardState.commit, compactionPoint), log.lastIndex)
        }
        log.applied = min(max(options.applied, compactionPoint), log.committed)
        becomeFollower(term: term, leader: 0)
    }

    /// Reads the configuration entries of the stored log into `configurations`.
    private func loadConfigurations(from storage: any LogStorage) throws {
        for entry in try storage.configurationEntries() where entry.kind == .configurationChange {
            // An undecodable payload cannot come from a correct leader; it changes nothing.
            guard entry.index > configurations.latestIndex,
                let decoded = try? ConfigurationEntry(decoding: entry.data)
            else { continue }
            configurations.append(decoded.configuration, at: entry.index)
        }
    }

    // MARK: - Inputs

    /// Advances the logical clock by one tick: followers and candidates count towards an election
    /// timeout, leaders towards heartbeats and the check-quorum period.
    public func tick() throws {
        if role == .leader {
            try tickLeader()
        } else {
            try tickElection()
        }
    }

    /// Starts an election now (with pre-vote if enabled), as if the election timeout had elapsed.
    /// Does nothing on a leader or on a server that is not a voter.
    public func campaign() throws {
        try hup(leadershipTransfer: false)
    }

    /// Takes one message from another server. Messages addressed to another server, or from this
    /// server or from node 0, or of term `UInt64.max` (after which no election could be held), are
    /// ignored, as are messages that make no sense in the current state (stale terms, answers to
    /// requests never made, malformed appends).
    public func step(_ message: Message) throws {
        guard message.to == id, message.from != id, message.from != 0, message.term < UInt64.max else { return }
        guard try handleTerm(of: message) else { return }
        if case .requestVote(let lastLogIndex, let lastLogTerm, let preVote, _) = message.body {
            try handleVoteRequest(
                message, lastLogIndex: lastLogIndex, lastLogTerm: lastLogTerm, preVote: preVote)
            return
        }
        switch role {
        case .leader: try stepLeader(message)
        case .candidate, .preCandidate: try stepCandidate(message)
        case .follower: try stepFollower(message)
        }
    }

    /// Appends `data` as a new entry of the leader's log and starts replicating it.
    ///
    /// - Returns: the entry's index and term: the proposal is committed when an entry with this
    ///   index and term appears in ``Ready/committedEntries``; if another term shows up at that
    ///   index, the proposal was lost.
    /// - Throws: ``RaftError/notLeader(leader:)`` on a non-leader,
    ///   ``RaftError/leadershipTransferInProgress`` during a transfer,
    ///   ``RaftError/invalidArgument(_:)`` for empty data (empty entries are the leaders' no-ops).
    @discardableResult
    public func propose(_ data: [UInt8]) throws -> (index: UInt64, term: UInt64) {
        let range = try propose(batch: [data])
        return (range.lowerBound, term)
    }

    /// Appends every element of `batch` as one entry, in order, and starts replicating them: one
    /// call, one Ready, one sync for many proposals.
    ///
    /// - Returns: the indices of the new entries, all of the current term (``RaftStatus/term``).
    /// - Throws: as ``propose(_:)``.
    @discardableResult
    public func propose(batch: [[UInt8]]) throws -> ClosedRange<UInt64> {
        try checkCanPropose()
        guard !batch.isEmpty, batch.allSatisfy({ !$0.isEmpty }) else {
            throw RaftError.invalidArgument("a proposal must hold at least one non-empty command")
        }
        let first = log.lastIndex + 1
        var entries: [Entry] = []
        entries.reserveCapacity(batch.count)
        for (offset, data) in batch.enumerated() {
            entries.append(Entry(term: term, index: first + UInt64(offset), kind: .normal, data: data))
        }
        try appendAsLeader(entries)
        return first...(first + UInt64(batch.count) - 1)
    }

    /// Throws unless this server may take proposals now.
    func checkCanPropose() throws(RaftError) {
        guard role == .leader, configurations.latest.isVoter(id) else {
            throw .notLeader(leader: role == .leader ? 0 : leader)
        }
        guard leadTransferee == 0 else { throw .leadershipTransferInProgress }
    }

    /// Asks for a linearizable read. The answer arrives as a ``ReadState`` with the same `context`
    /// in a later ``Ready``: once the state machine has applied its index, reads reflect every write
    /// acknowledged before this call. A follower forwards the request to its leader. Requests may be
    /// lost (a leader change, a dropped message); the driver retries with a new context after a
    /// timeout.
    ///
    /// - Parameter context: bytes unique to this request (for example a counter), echoed back.
    /// - Throws: ``RaftError/notLeader(leader:)`` when no leader is known,
    ///   ``RaftError/invalidArgument(_:)`` for an empty context.
    public func readIndex(context: [UInt8]) throws {
        guard !context.isEmpty else { throw RaftError.invalidArgument("a read index context must not be empty") }
        switch role {
        case .leader:
            try handleReadIndexRequest(from: id, context: context)
        case .follower where leader != 0:
            send(to: leader, .readIndex(context: context))
        default:
            throw RaftError.notLeader(leader: leader)
        }
    }

    /// Hands leadership to `target`, a voter: the leader brings its log up to date, then tells it to
    /// campaign at once (``MessageBody/timeoutNow``). Proposals are refused meanwhile; the transfer
    /// is abandoned after an election timeout.
    ///
    /// - Throws: ``RaftError/notLeader(leader:)`` on a non-leader, ``RaftError/invalidArgument(_:)``
    ///   if `target` is not a voter.
    public func transferLeadership(to target: NodeID) throws {
        guard role == .leader else { throw RaftError.notLeader(leader: leader) }
        if target == id { return }
        guard configurations.latest.isVoter(target), progress[target] != nil else {
            throw RaftError.invalidArgument("\(target) is not a voter")
        }
        if leadTransferee == target { return }
        leadTransferee = target
        electionElapsed = 0
        if progress[target]?.match == log.lastIndex {
            send(to: target, .timeoutNow)
        } else {
            try sendAppend(to: target)
        }
    }

    /// Tells the leader that a message to `peer` could not be delivered: it stops pipelining to it
    /// and probes again.
    public func reportUnreachable(_ peer: NodeID) {
        guard role == .leader, let entry = progress[peer] else { return }
        if entry.state == .replicate { entry.becomeProbe() }
    }

    /// Tells the leader how streaming a snapshot to `peer` ended. On success it waits for the
    /// follower's acknowledgement; on failure it probes again (and sends a snapshot again if needed).
    public func reportSnapshotStatus(_ peer: NodeID, succeeded: Bool) {
        guard role == .leader, let entry = progress[peer], entry.state == .snapshot else { return }
        if !succeeded { entry.pendingSnapshot = 0 }
        entry.becomeProbe()
        // Wait for the follower's answer (or the next heartbeat's) before probing.
        entry.probeSent = true
    }

    /// The metadata of a snapshot of the state machine at `index`: the term of the entry there and
    /// the configuration in force. The driver calls this with its applied index before writing a
    /// snapshot, then records it in storage and may compact the log up to it.
    ///
    /// - Throws: ``RaftError/invalidArgument(_:)`` if `index` is not applied, or no longer in the log
    ///   (compacted, or replaced by a snapshot from the leader that the next Ready installs): the
    ///   driver then skips this snapshot.
    public func snapshotMetadata(at index: UInt64) throws -> SnapshotMetadata {
        guard index <= log.applied, index + 1 >= log.firstIndex else {
            throw RaftError.invalidArgument(
                "snapshot index \(index) is outside \(log.firstIndex - 1)...\(log.applied) (compacted...applied)")
        }
        return SnapshotMetadata(
            index: index, term: try log.term(at: index), configuration: configurations.configuration(at: index))
    }

    // MARK: - Observers

    /// The current term.
    public var currentTerm: UInt64 { term }

    /// The current role.
    public var currentRole: RaftRole { role }

    /// The leader this server knows of, or 0.
    public var currentLeader: NodeID { leader }

    /// The configuration in force (the latest in the log).
    public var configuration: Configuration { configurations.latest }

    /// A snapshot of the server's state.
    public var status: RaftStatus {
        var peers: [NodeID: PeerProgress] = [:]
        if role == .leader {
            for (peer, entry) in progress {
                peers[peer] = PeerProgress(
                    match: entry.match, next: entry.next, state: entry.state, recentActive: entry.recentActive)
            }
        }
        return RaftStatus(
            id: id, role: role, term: term, vote: vote, leader: leader, commit: log.committed,
            applied: log.applied, firstIndex: log.firstIndex, lastIndex: log.lastIndex,
            configuration: configurations.latest, configurationIndex: configurations.latestIndex,
            progress: peers, leadershipTransferee: leadTransferee)
    }

    // MARK: - Helpers shared by the extensions

    /// Queues a message of the current term to `peer`.
    func send(to peer: NodeID, _ body: MessageBody) {
        outbox.append(Message(from: id, to: peer, term: term, body: body))
    }

    /// Queues a message with an explicit term (vote answers).
    func send(to peer: NodeID, term messageTerm: UInt64, _ body: MessageBody) {
        outbox.append(Message(from: id, to: peer, term: messageTerm, body: body))
    }

    /// The number of votes that makes a majority of `voters`.
    static func quorum(of voters: [NodeID]) -> Int { voters.count / 2 + 1 }

    /// Whether this server may campaign: it is a voter of its configuration.
    var isPromotable: Bool { configurations.latest.isVoter(id) }

    /// The last index this server has made durable (for a leader's own match).
    var stableLastIndex: UInt64 {
        if log.unstable.snapshot != nil { return 0 }
        return log.unstable.entries.isEmpty ? log.lastIndex : log.unstable.offset - 1
    }
}
