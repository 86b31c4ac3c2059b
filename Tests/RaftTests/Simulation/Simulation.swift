@testable import Raft

/// A deterministic simulation of a Raft cluster: cores driven as a real driver would, a network that
/// drops, delays, duplicates and reorders messages and partitions nodes, disks that lose unsynced
/// writes in a crash, a virtual clock, and clients, all from one seed.
///
/// A run injects faults for `chaosDuration`, then heals everything and waits for the cluster to
/// converge. The safety checker watches every step; the end checks that every acknowledged write is
/// applied everywhere and that all members agree.
final class Simulation {
    enum Event {
        case tick(NodeID, generation: UInt64)
        case deliver(NodeID, [UInt8])
        case synced(NodeID, generation: UInt64)
        case restart(NodeID)
        case fault
        case admin
        case client(Int)
        case clientTimeout(Int, sequence: UInt64)
        case heal
        case checkConvergence
        /// The driver finished streaming a snapshot from the first node to the second.
        case snapshotSent(NodeID, NodeID, generation: UInt64, succeeded: Bool)
    }

    /// A client with at most one operation outstanding.
    struct Client {
        var sequence: UInt64 = 0
        var pending: UInt64?
        var historyIndex = 0
        var op: UInt64 = 0
        var leaderGuess: NodeID = 0
    }

    static let tickInterval: UInt64 = 10
    static let clientTimeout: UInt64 = 1000
    static let convergenceDeadline: UInt64 = 30_000
    static let maxEvents = 3_000_000

    let seed: UInt64
    let parameters: SimulationParameters
    var random: SimRandom
    var queue = EventQueue<Event>()
    var now: UInt64 = 0
    var nodes: [NodeID: SimNode] = [:]
    var spareIDs: [NodeID] = []
    /// The partition group of each node (absent: group 0).
    var group: [NodeID: Int] = [:]
    var dropRate: Double
    var duplicateRate: Double
    var healed = false
    var converged = false
    let checker = SafetyChecker()
    var clients: [Client]
    var history: [Operation] = []
    var discarded: Set<Int> = []
    var clock: UInt64 = 0
    var nextOp: UInt64 = 1
    var acknowledged: Set<UInt64> = []
    var lost: Set<UInt64> = []
    var failures: [String] = []
    /// Counts of notable happenings, so tests can check the runs exercise what they claim to.
    var stats: [String: Int] = [:]
    /// A deliberately broken mode for the checker's negative control: reads are served from the
    /// local state machine at once, without ReadIndex.
    var staleReads = false
    /// When the snapshot stream on each link (from, to) has gone out.
    var streamBusyUntil: [[NodeID]: UInt64] = [:]
    /// The last events, kept when tracing.
    var trace: [String]?

    init(seed: UInt64, mode: SimulationParameters.Mode, tracing: Bool = false) throws {
        self.seed = seed
        var random = SimRandom(seed: seed)
        parameters = SimulationParameters.draw(mode: mode, random: &random)
        self.random = random
        dropRate = parameters.dropRate
        duplicateRate = parameters.duplicateRate
        clients = Array(repeating: Client(), count: parameters.clients)
        trace = tracing ? [] : nil
        let founders = (1...UInt64(parameters.nodeCount)).map { $0 }
        spareIDs = ((UInt64(parameters.nodeCount) + 1)...(UInt64(parameters.nodeCount) + 4)).map { $0 }
        let configuration = Configuration(members: founders.map { Member(id: $0, address: "sim-\($0)") })
        for id in founders {
            let node = SimNode(id: id, bootstrap: configuration, options: makeOptions(id))
            nodes[id] = node
            try startNode(node)
        }
        for index in clients.indices { queue.schedule(at: random.uint(0...50), .client(index)) }
        if parameters.crashes || parameters.partitions { queue.schedule(at: random.uint(50...300), .fault) }
        if parameters.membershipChanges { queue.schedule(at: random.uint(300...600), .admin) }
        queue.schedule(at: parameters.chaosDuration, .heal)
    }

    func makeOptions(_ id: NodeID) -> RaftOptions {
        var options = RaftOptions(id: id, randomSeed: seed &* 31 &+ id)
        options.electionTicks = 10
        options.heartbeatTicks = 2
        options.preVote = parameters.preVote
        options.checkQuorum = parameters.checkQuorum
        options.maxEntriesPerMessage = parameters.maxEntriesPerMessage
        options.maxBytesPerMessage = 4096
        options.maxInflightMessages = parameters.maxInflight
        options.maxCommittedBytesPerReady = 2048
        return options
    }

    func record(_ text: @autoclosure () -> String) {
        guard trace != nil else { return }
        trace?.append("[\(now)] " + text())
        if let count = trace?.count, count > 400 { trace?.removeFirst(count - 400) }
    }

    func count(_ key: String) { stats[key, default: 0] += 1 }

    // MARK: - Running

    /// Runs to convergence (or failure); returns the failures found, empty when the run passed.
    func run() -> [String] {
        var events = 0
        do {
            while let (time, event) = queue.pop() {
                now = time
                events += 1
                if events > Simulation.maxEvents { throw TestFailure("event limit reached") }
                if now > parameters.chaosDuration + Simulation.convergenceDeadline {
                    throw TestFailure("no convergence \(Simulation.convergenceDeadline)ms after healing: \(describe())")
                }
                try handle(event)
                if !checker.violations.isEmpty || converged { break }
            }
            if checker.violations.isEmpty && !converged { throw TestFailure("event queue ran dry") }
            if converged { try finalChecks() }
        } catch {
            failures.append("\(error)")
        }
        failures.append(contentsOf: checker.violations)
        stats["events"] = events
        return failures
    }

    func handle(_ event: Event) throws {
        switch event {
        case .tick(let id, let generation):
            guard let node = nodes[id], let core = node.core, node.generation == generation else { return }
            try core.tick()
            try afterInput(node)
            queue.schedule(at: now + Simulation.tickInterval, .tick(id, generation: generation))
        case .deliver(let id, let bytes):
            try deliver(bytes, to: id)
        case .synced(let id, let generation):
            guard let node = nodes[id], node.generation == generation, node.core != nil else { return }
            try complete(node)
            observe(node)
        case .restart(let id):
            guard let node = nodes[id], !node.isUp else { return }
            record("restart \(id)")
            try startNode(node)
        case .fault:
            try injectFault()
        case .admin:
            try changeMembership()
        case .client(let index):
            try issue(client: index)
        case .clientTimeout(let index, let sequence):
            timeout(client: index, sequence: sequence)
        case .heal:
            heal()
        case .snapshotSent(let from, let to, let generation, let succeeded):
            guard let node = nodes[from], let core = node.core, node.generation == generation else { return }
            core.reportSnapshotStatus(to, succeeded: succeeded)
            try afterInput(node)
        case .checkConvergence:
            if try isConverged() {
                converged = true
            } else {
                queue.schedule(at: now + 50, .checkConvergence)
            }
        }
    }

    func startNode(_ node: SimNode) throws {
        try node.start()
        queue.schedule(
            at: now + random.uint(1...Simulation.tickInterval), .tick(node.id, generation: node.generation))
        try afterInput(node)
    }

    /// After any input to a node: hand out its Ready, check what it now claims.
    func afterInput(_ node: SimNode) throws {
        try pump(node)
        observe(node)
    }

    /// Watches a node for the checker: leaders per term, completeness at election, commits.
    func observe(_ node: SimNode) {
        guard let core = node.core, core.currentRole == .leader else { return }
        let term = core.currentTerm
        checker.observeLeader(node.id, term: term)
        do {
            if node.observedLeaderTerm != term {
                node.observedLeaderTerm = term
                count("elections")
                try checker.checkLeaderCompleteness(core, node: node.id)
            }
            let commit = core.log.committed
            if commit > node.observedCommit {
                let from = max(node.observedCommit + 1, core.log.firstIndex)
                if from <= commit {
                    let entries = try core.log.entries(from: from, to: commit + 1, maxBytes: .max)
                    checker.observeCommit(of: entries, leaderTerm: term)
                }
                node.observedCommit = commit
            }
        } catch {
            checker.fail("reading the log of leader \(node.id): \(error)")
        }
    }

    // MARK: - The driver

    /// Writes the node's next Ready to its disk and schedules the sync (durability before send).
    func pump(_ node: SimNode) throws {
        guard let core = node.core, node.outstanding == nil, core.hasReady else { return }
        let ready = try core.ready()
        if let metadata = ready.snapshot {
            guard let data = node.receivedSnapshots[metadata.index] else {
                throw TestFailure("node \(node.id) must install snapshot \(metadata.index) it never received")
            }
            node.disk.write(.installSnapshot(metadata, data))
            node.storage.installSnapshot(metadata)
        }
        if !ready.entries.isEmpty {
            node.disk.write(.append(ready.entries))
            node.storage.append(ready.entries)
        }
        if let hardState = ready.hardState { node.disk.write(.hardState(hardState)) }
        node.outstanding = ready
        if ready.mustSync {
            let delay = random.uint(0...parameters.maxSyncDelay)
            queue.schedule(at: now + delay, .synced(node.id, generation: node.generation))
        } else {
            try complete(node)
        }
    }

    /// The Ready is durable: send, apply, acknowledge, and go on with the next one.
    func complete(_ node: SimNode) throws {
        guard let core = node.core, let ready = node.outstanding else { return }
        if ready.mustSync { node.disk.sync() }
        node.outstanding = nil
        for message in ready.messages { send(message, from: node) }
        if let metadata = ready.snapshot {
            guard let data = node.receivedSnapshots[metadata.index] else {
                throw TestFailure("snapshot \(metadata.index) vanished on \(node.id)")
            }
            node.kv = try KVStateMachine(snapshot: data)
            node.applied = metadata.index
            node.receivedSnapshots = node.receivedSnapshots.filter { $0.key > metadata.index }
            count("snapshots installed")
            record("\(node.id) installs snapshot \(metadata.index)")
            for (index, proposal) in node.proposals where index <= metadata.index {
                node.proposals[index] = nil
                guard let command = KVCommand(decoding: proposal.data) else { continue }
                if node.kv.appliedOps.contains(command.op) {
                    completeOperation(client: proposal.client, sequence: proposal.sequence, output: nil)
                } else {
                    loseOperation(client: proposal.client, sequence: proposal.sequence, op: command.op)
                }
            }
        }
        for entry in ready.committedEntries { try apply(entry, on: node) }
        node.waitingReads.append(contentsOf: ready.readStates)
        serveReads(on: node)
        try core.advance()
        try maybeCompact(node)
        try pump(node)
    }

    func apply(_ entry: Entry, on node: SimNode) throws {
        guard entry.index == node.applied + 1 else {
            throw TestFailure("node \(node.id) applies \(entry.index) after \(node.applied)")
        }
        node.applied = entry.index
        checker.observeApply(entry, node: node.id)
        if entry.kind == .normal && !entry.data.isEmpty {
            guard let command = KVCommand(decoding: entry.data) else {
                throw TestFailure("undecodable command at \(entry.index)")
            }
            node.kv.apply(command)
        }
        if let proposal = node.proposals.removeValue(forKey: entry.index) {
            if proposal.term == entry.term && proposal.data == entry.data {
                completeOperation(client: proposal.client, sequence: proposal.sequence, output: nil)
            } else if let command = KVCommand(decoding: proposal.data) {
                loseOperation(client: proposal.client, sequence: proposal.sequence, op: command.op)
            }
        }
    }

    /// Takes a snapshot of the state machine and compacts the log, as an application does.
    func maybeCompact(_ node: SimNode) throws {
        guard parameters.compactEvery > 0, let core = node.core else { return }
        let snapshotIndex = node.disk.synced.snapshot?.metadata.index ?? 0
        guard node.applied >= snapshotIndex + parameters.compactEvery else { return }
        // A snapshot from the leader may have replaced the log since these entries were applied.
        guard let metadata = try? core.snapshotMetadata(at: node.applied) else { return }
        let keep = random.uint(0...3)
        let through = max(node.applied > keep ? node.applied - keep : 0, node.storage.firstIndex - 1)
        node.disk.saveSnapshot(metadata, data: node.kv.snapshot(), compactThrough: through)
        node.storage.snapshotCreated(metadata)
        node.storage.compact(through: through)
        count("compactions")
    }

    /// Serves the reads whose index is applied.
    func serveReads(on node: SimNode) {
        guard !node.waitingReads.isEmpty else { return }
        var waiting: [ReadState] = []
        for read in node.waitingReads {
            if read.index > node.applied {
                waiting.append(read)
            } else if let request = node.reads.removeValue(forKey: read.context) {
                completeOperation(
                    client: request.client, sequence: request.sequence, output: node.kv.values[request.key] ?? 0)
            }
        }
        node.waitingReads = waiting
    }

    // MARK: - The network

    func linkUp(_ from: NodeID, _ to: NodeID) -> Bool {
        group[from, default: 0] == group[to, default: 0]
    }

    func send(_ message: Message, from node: SimNode) {
        if case .installSnapshot = message.body {
            streamSnapshot(message, from: node)
            return
        }
        if !linkUp(message.from, message.to) && random.chance(0.5) {
            // The transport noticed the broken connection.
            node.core?.reportUnreachable(message.to)
        }
        transmit(message)
    }

    func transmit(_ message: Message) {
        count("messages")
        guard linkUp(message.from, message.to), !random.chance(dropRate) else { return }
        let bytes = message.encoded()
        queue.schedule(at: now + delay(), .deliver(message.to, bytes))
        if random.chance(duplicateRate) { queue.schedule(at: now + delay(), .deliver(message.to, bytes)) }
    }

    func delay() -> UInt64 {
        random.chance(0.01) ? random.uint(1...200) : random.uint(1...parameters.maxDelay)
    }

    /// Streams the node's latest snapshot in chunks, as a driver does, then reports to the core.
    func streamSnapshot(_ message: Message, from node: SimNode) {
        guard let core = node.core else { return }
        guard let snapshot = node.disk.synced.snapshot else {
            core.reportSnapshotStatus(message.to, succeeded: false)
            return
        }
        count("snapshots sent")
        record("\(node.id) streams snapshot \(snapshot.metadata.index) to \(message.to)")
        // The chunks travel in order, as on the one connection a transport keeps per peer; each may
        // still be lost (a broken connection), which the receiver sees as a gap.
        let data = snapshot.data
        var offset = 0
        // A stream starts after the previous stream on the same link has gone out.
        let link = [message.from, message.to]
        var time = max(now + delay(), streamBusyUntil[link] ?? 0)
        repeat {
            let end = min(offset + parameters.chunkSize, data.count)
            let chunk = SnapshotChunk(
                metadata: snapshot.metadata, offset: UInt64(offset), data: Array(data[offset..<end]),
                done: end == data.count)
            let chunkMessage = Message(
                from: message.from, to: message.to, term: message.term, body: .installSnapshot(chunk))
            count("messages")
            if linkUp(message.from, message.to) && !random.chance(dropRate) {
                queue.schedule(at: time, .deliver(message.to, chunkMessage.encoded()))
            }
            time += random.uint(0...1)
            offset = end
        } while offset < data.count
        streamBusyUntil[link] = time
        // The driver reports once the transport has sent the last chunk; sometimes it fails.
        queue.schedule(
            at: time,
            .snapshotSent(message.from, message.to, generation: node.generation, succeeded: !random.chance(0.1)))
    }

    func deliver(_ bytes: [UInt8], to id: NodeID) throws {
        guard let node = nodes[id], let core = node.core else { return }
        let message = try Message(decoding: bytes)
        guard linkUp(message.from, message.to) else { return }
        record(
            "deliver \(message.from)->\(message.to) t\(message.term) \(String(describing: message.body).prefix(160))")
        if case .installSnapshot(let chunk) = message.body {
            // Reassemble in order; a gap drops the transfer (the leader will send it again).
            if chunk.offset == 0 { node.assemblies[message.from] = (chunk.metadata, []) }
            guard var assembly = node.assemblies[message.from], assembly.metadata == chunk.metadata,
                UInt64(assembly.data.count) == chunk.offset
            else { return }
            assembly.data += chunk.data
            guard chunk.done else {
                node.assemblies[message.from] = assembly
                return
            }
            node.assemblies[message.from] = nil
            node.receivedSnapshots[chunk.metadata.index] = assembly.data
            try core.step(
                Message(
                    from: message.from, to: message.to, term: message.term,
                    body: .installSnapshot(SnapshotChunk(metadata: chunk.metadata))))
        } else {
            try core.step(message)
        }
        try afterInput(node)
    }

    // MARK: - Faults

    func injectFault() throws {
        guard !healed else { return }
        let ids = nodes.keys.sorted()
        switch random.int(0...10) {
        case 0...2 where parameters.partitions:
            group = [:]
            for id in ids { group[id] = random.int(0...1) }
            record("partition \(group)")
            count("partitions")
        case 3 where parameters.partitions:
            if let leader = currentLeader() {
                group = [leader.id: 1]
                record("isolate leader \(leader.id)")
                count("partitions")
            }
        case 4...5:
            group = [:]
            record("heal partition")
        case 6...7 where parameters.crashes:
            let up = ids.filter { nodes[$0]?.isUp == true }
            guard !up.isEmpty else { break }
            // Half the crashes hit the leader, whose failures make the interesting interleavings.
            let victim = random.chance(0.5) ? (currentLeader()?.id ?? random.pick(up)) : random.pick(up)
            crash(victim)
            queue.schedule(at: now + random.uint(10...600), .restart(victim))
        case 8:
            dropRate = random.pick([0, 0.05, 0.3])
        case 9:
            if let leader = currentLeader(), let core = leader.core {
                let others = core.configuration.voters.filter { $0 != leader.id }
                if !others.isEmpty {
                    let target = random.pick(others)
                    record("transfer leadership from \(leader.id) to \(target)")
                    try? core.transferLeadership(to: target)
                    count("transfers")
                    try afterInput(leader)
                }
            }
        default:
            break
        }
        queue.schedule(at: now + random.uint(50...350), .fault)
    }

    func crash(_ id: NodeID) {
        guard let node = nodes[id] else { return }
        record("crash \(id)")
        count("crashes")
        node.crash(random: &random)
    }

    func heal() {
        record("heal")
        healed = true
        group = [:]
        dropRate = 0
        duplicateRate = 0
        for id in nodes.keys.sorted() where nodes[id]?.isUp == false {
            queue.schedule(at: now, .restart(id))
        }
        queue.schedule(at: now + 50, .checkConvergence)
    }

    /// The up node that leads the highest term, if any.
    func currentLeader() -> SimNode? {
        nodes.values.filter { $0.core?.currentRole == .leader }.max {
            ($0.core?.currentTerm ?? 0) < ($1.core?.currentTerm ?? 0)
        }
    }

    // MARK: - Membership

    /// An administrator: adds learners, promotes them once caught up, removes voters.
    func changeMembership() throws {
        guard !healed else { return }
        queue.schedule(at: now + random.uint(150...500), .admin)
        guard let leader = currentLeader(), let core = leader.core else { return }
        let configuration = core.configuration
        let status = core.status
        let change: ConfigurationChange
        if let learner = configuration.learners.first(where: {
            (status.progress[$0]?.match ?? 0) + 5 >= status.lastIndex
        }) {
            change = .addVoter(Member(id: learner, address: "sim-\(learner)"))
        } else if configuration.voters.count < 5, configuration.learners.isEmpty, let id = spareIDs.first,
            random.chance(0.6)
        {
            spareIDs.removeFirst()
            let node = SimNode(id: id, bootstrap: nil, options: makeOptions(id))
            nodes[id] = node
            try startNode(node)
            change = .addLearner(Member(id: id, address: "sim-\(id)"))
        } else if configuration.voters.count > 3 {
            change = .remove(random.pick(configuration.voters))
        } else {
            return
        }
        do {
            try core.proposeConfigurationChange(change)
            record("leader \(leader.id) proposes \(change)")
            count("configuration changes")
        } catch is RaftError {
            return
        }
        try afterInput(leader)
    }

    // MARK: - Clients

    func issue(client index: Int) throws {
        guard !healed else { return }
        var client = clients[index]
        let up = nodes.keys.sorted().filter { nodes[$0]?.isUp == true }
        guard !up.isEmpty else {
            queue.schedule(at: now + 20, .client(index))
            return
        }
        let target = up.contains(client.leaderGuess) ? client.leaderGuess : random.pick(up)
        guard let node = nodes[target], let core = node.core else { return }
        client.sequence += 1
        let key = random.uint(1...parameters.keys)
        let isRead = random.chance(parameters.readFraction)
        do {
            if isRead && staleReads {
                let invoke = tick()
                history.append(
                    Operation(
                        client: index, input: .get(key: key), output: node.kv.values[key] ?? 0, invoke: invoke,
                        response: tick()))
                clients[index] = client
                queue.schedule(at: now + random.uint(0...15), .client(index))
                return
            } else if isRead {
                var context = ByteWriter()
                context.writeVarint(UInt64(index))
                context.writeVarint(client.sequence)
                try core.readIndex(context: context.bytes)
                node.reads[context.bytes] = (index, client.sequence, key)
                history.append(Operation(client: index, input: .get(key: key), invoke: tick()))
            } else {
                let op = nextOp
                let data = KVCommand(op: op, key: key, value: op).encoded()
                let (logIndex, term) = try core.propose(data)
                nextOp += 1
                client.op = op
                node.proposals[logIndex] = (term, data, index, client.sequence)
                history.append(Operation(client: index, input: .put(key: key, value: op), invoke: tick()))
            }
        } catch RaftError.notLeader(let hint) {
            client.leaderGuess = hint
            clients[index] = client
            queue.schedule(at: now + random.uint(1...10), .client(index))
            return
        } catch is RaftError {
            clients[index] = client
            queue.schedule(at: now + random.uint(5...30), .client(index))
            return
        }
        client.leaderGuess = target
        client.pending = client.sequence
        client.historyIndex = history.count - 1
        clients[index] = client
        queue.schedule(at: now + Simulation.clientTimeout, .clientTimeout(index, sequence: client.sequence))
        try afterInput(node)
    }

    /// The logical clock of the history: strictly increasing, so invocations and responses are
    /// totally ordered in real time.
    func tick() -> UInt64 {
        clock += 1
        return clock
    }

    func completeOperation(client index: Int, sequence: UInt64, output: UInt64?) {
        guard clients[index].pending == sequence else { return }
        let position = clients[index].historyIndex
        history[position].response = tick()
        history[position].output = output
        if case .put = history[position].input {
            acknowledged.insert(clients[index].op)
            count("writes acknowledged")
        } else {
            count("reads answered")
        }
        clients[index].pending = nil
        queue.schedule(at: now + random.uint(0...15), .client(index))
    }

    /// The proposal's entry was replaced by another: it can never be applied.
    func loseOperation(client index: Int, sequence: UInt64, op: UInt64) {
        lost.insert(op)
        guard clients[index].pending == sequence else { return }
        discarded.insert(clients[index].historyIndex)
        clients[index].pending = nil
        clients[index].leaderGuess = 0
        queue.schedule(at: now + random.uint(0...15), .client(index))
    }

    func timeout(client index: Int, sequence: UInt64) {
        guard clients[index].pending == sequence else { return }
        let position = clients[index].historyIndex
        // A read that never answered constrains nothing; a write may still take effect.
        if case .get = history[position].input { discarded.insert(position) }
        clients[index].pending = nil
        clients[index].leaderGuess = 0
        queue.schedule(at: now + random.uint(0...15), .client(index))
    }

    /// The history for the linearizability checker.
    var checkedHistory: [Operation] {
        history.enumerated().filter { !discarded.contains($0.offset) }.map(\.element)
    }

    // MARK: - Convergence and the final checks

    func isConverged() throws -> Bool {
        guard clients.allSatisfy({ $0.pending == nil }), let leader = currentLeader(), let core = leader.core else {
            return false
        }
        let commit = core.log.committed
        guard commit == core.log.lastIndex else { return false }
        for member in core.configuration.members {
            guard let node = nodes[member.id], let memberCore = node.core, node.outstanding == nil,
                !memberCore.hasReady, node.applied == commit, memberCore.log.lastIndex == commit
            else { return false }
        }
        return true
    }

    func finalChecks() throws {
        guard let leader = currentLeader(), let core = leader.core else { throw TestFailure("no leader at the end") }
        try checker.checkLeaderCompleteness(core, node: leader.id)
        var logs: [(NodeID, [UInt64: Entry])] = []
        for id in nodes.keys.sorted() {
            guard let node = nodes[id], let nodeCore = node.core else { continue }
            var log: [UInt64: Entry] = [:]
            let first = nodeCore.log.firstIndex
            let last = nodeCore.log.lastIndex
            if first <= last {
                for entry in try nodeCore.log.entries(from: first, to: last + 1, maxBytes: .max) {
                    log[entry.index] = entry
                }
            }
            logs.append((id, log))
            let wronglyApplied = node.kv.appliedOps.intersection(lost)
            if !wronglyApplied.isEmpty {
                checker.fail("node \(id) applied ops reported lost: \(wronglyApplied.sorted().prefix(5))")
            }
        }
        checker.checkLogMatching(logs)
        for member in core.configuration.members {
            guard let node = nodes[member.id] else { continue }
            if node.kv != leader.kv { checker.fail("state of \(member.id) differs from the leader's") }
            let missing = acknowledged.subtracting(node.kv.appliedOps)
            if !missing.isEmpty {
                checker.fail("node \(member.id) lacks acknowledged ops \(missing.sorted().prefix(5))")
            }
        }
    }

    func describe() -> String {
        var lines: [String] = []
        for id in nodes.keys.sorted() {
            guard let node = nodes[id] else { continue }
            if let core = node.core {
                let status = core.status
                lines.append(
                    "\(id): \(status.role) term \(status.term) leader \(status.leader) commit \(status.commit) "
                        + "last \(status.lastIndex) applied \(node.applied) voters \(status.configuration.voters) "
                        + "learners \(status.configuration.learners) progress \(status.progress.mapValues { "\($0.match)/\($0.next)/\($0.state)" })"
                )
            } else {
                lines.append("\(id): down")
            }
        }
        return lines.joined(separator: "\n")
    }
}
