import Dispatch
import Foundation
import LSM
import Logging
import Raft
import RaftTransport
import Synchronization

/// One raftd server: a ``RaftNode`` over the ``ServerStateMachine``, the ``LeaseManager`` that keeps
/// lease time while this node leads, and the answers the HTTP API (``NodeService``) needs.
public final class RaftdNode: NodeService, Sendable {
    /// The configuration the node runs with.
    public let configuration: NodeConfiguration
    let raftID: NodeID
    let machine: ServerStateMachine
    let leases: LeaseManager
    let metricsRegistry = NodeMetrics()
    private let raft: RaftNode<ServerStateMachine>
    private let logger: Logger
    private let running = Atomic<Bool>(true)

    private init(
        configuration: NodeConfiguration, raftID: NodeID, machine: ServerStateMachine, leases: LeaseManager,
        raft: RaftNode<ServerStateMachine>, logger: Logger
    ) {
        self.configuration = configuration
        self.raftID = raftID
        self.machine = machine
        self.leases = leases
        self.raft = raft
        self.logger = logger
    }

    /// Monotonic nanoseconds, the lease manager's clock.
    static func monotonicNow() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Wall-clock milliseconds since 1970, for snowflake ids only.
    static func wallClockMilliseconds() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }

    /// Opens the data directory and starts the node: Raft transport and loop, lease keeping, and
    /// (with `-join`, when this node is not a member yet) the request to join.
    public static func start(_ configuration: NodeConfiguration, logger: Logger) async throws -> RaftdNode {
        let directory = configuration.dataDirectory
        let raftDirectory = directory + "/raft"
        let isNew = !FileManager.default.fileExists(atPath: raftDirectory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let raftID = NodeIdentity.raftID(of: configuration.id)
        guard let raftAddress = HostPort(configuration.raftAddress) else {
            throw ConfigurationError("-raddr must be HOST:PORT")
        }

        let machine = try ServerStateMachine(directory: directory + "/state")
        guard let leases = try LeaseManager(store: { machine.current.leases }, worker: configuration.worker) else {
            throw ConfigurationError("-bind must be 0...1023")
        }
        machine.setOnApplied { command, outcome in
            try? leases.applied(command, outcome: outcome, now: RaftdNode.monotonicNow())
        }

        let bootstrap: Configuration? =
            isNew && configuration.join == nil
            ? Configuration(members: [Member(id: raftID, address: configuration.raftAddress)]) : nil
        var options = RaftNodeOptions()
        options.logger = { message in logger.info("\(message)") }
        let nodeBox = Mutex<RaftdNode?>(nil)
        let raft = try await RaftNode.start(
            id: raftID, directory: raftDirectory, machine: machine, bootstrap: bootstrap, options: options,
            onLeaderReady: { term in
                do {
                    try leases.becameLeader(now: RaftdNode.monotonicNow())
                } catch {
                    logger.error("leases: cannot start keeping time: \(error)")
                }
                logger.info("leader of term \(term): keeping lease time")
                if let node = nodeBox.withLock({ $0 }) { Task { await node.registerSelf() } }
            },
            onRoleChange: { role, _, _ in
                if role != .leader { leases.lostLeadership() }
            },
            transport: { handler in
                try await TCPTransport.start(
                    id: raftID, host: raftAddress.host, port: raftAddress.port, peers: [:],
                    log: { message in logger.warning("transport: \(message)") }, handler: handler)
            })
        let node = RaftdNode(
            configuration: configuration, raftID: raftID, machine: machine, leases: leases, raft: raft, logger: logger)
        nodeBox.withLock { $0 = node }
        if raft.status.role == .leader { await node.registerSelf() }
        node.startExpiryLoop()
        if let join = configuration.join, !raft.status.configuration.isVoter(raftID) {
            node.startJoining(via: join)
        }
        logger.info(
            "raftd \(configuration.id) up: http \(configuration.httpAddress), raft \(configuration.raftAddress), data \(directory)"
        )
        return node
    }

    /// Hands leadership over (when leading), then stops Raft and closes the engines.
    public func shutdown() async {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        let status = raft.status
        if status.role == .leader, let target = status.configuration.voters.first(where: { $0 != raftID }) {
            logger.info("shutting down: handing leadership to \(target)")
            try? await raft.transferLeadership(to: target)
            for _ in 0..<40 where raft.status.role == .leader {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        await raft.stop()
        try? machine.close()
        logger.info("raftd \(configuration.id) stopped")
    }

    // MARK: Background work

    /// Records this node's addresses in the cluster metadata when they are missing or stale.
    private func registerSelf() async {
        let recorded = try? machine.current.keys.members()[configuration.id]
        if recorded?.httpAddress == configuration.httpAddress && recorded?.raftAddress == configuration.raftAddress {
            return
        }
        _ = try? await raft.propose(
            Command.setMember(
                id: configuration.id, httpAddress: configuration.httpAddress, raftAddress: configuration.raftAddress
            ).encoded())
    }

    /// Proposes the expiries the lease manager finds, ten times a second, while leading.
    private func startExpiryLoop() {
        Task.detached { [self] in
            while running.load(ordering: .acquiring) {
                try? await Task.sleep(for: .milliseconds(100))
                guard leases.isLeading else { continue }
                let now = Self.monotonicNow()
                guard let command = try? leases.collectExpired(now: now) else { continue }
                do {
                    _ = try await raft.propose(command.encoded())
                } catch {
                    leases.retryExpiry(command, now: Self.monotonicNow())
                }
            }
        }
    }

    /// Asks `address` (any member) to admit this node, retrying until it is admitted.
    private func startJoining(via address: String) {
        let body = Array(
            "{\"id\":\"\(configuration.id)\",\"httpAddr\":\"\(configuration.httpAddress)\",\"raftAddr\":\"\(configuration.raftAddress)\"}"
                .utf8)
        let logger = logger
        Task.detached { [self] in
            while running.load(ordering: .acquiring) {
                // A learner keeps asking: the leader promotes it on a repeated join.
                if raft.status.configuration.isVoter(raftID) { return }
                do {
                    // Learn where the members listen first, so this node can answer the leader as
                    // soon as it is added.
                    let members = try await Task.detached { try JoinClient.members(at: address) }.value
                    var peers: [NodeID: String] = [:]
                    for member in members { peers[NodeIdentity.raftID(of: member.id)] = member.raftAddress }
                    raft.learnAddresses(peers)
                    let answer = try await Task.detached { try JoinClient.postJoin(to: address, body: body) }.value
                    if answer.status == 200 {
                        logger.info("joined the cluster through \(address)")
                        return
                    }
                    logger.warning("join through \(address) answered \(answer.status): \(answer.body)")
                } catch {
                    logger.warning("join through \(address) failed: \(error)")
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    // MARK: Leadership helpers

    /// Fails with a redirect to the leader (or 503) unless this node leads.
    private func requireLeader() throws(APIError) {
        let status = raft.status
        guard status.role == .leader else { throw .notLeader(leaderHTTPAddress: httpAddress(of: status.leader)) }
    }

    /// The raftd name and HTTP address of Raft node `id`, from the cluster metadata.
    private func member(_ id: NodeID) -> (name: String, httpAddress: String)? {
        guard id != 0 else { return nil }
        if id == raftID { return (configuration.id, configuration.httpAddress) }
        guard let members = try? machine.current.keys.members(),
            let found = members.first(where: { NodeIdentity.raftID(of: $0.key) == id })
        else { return nil }
        return (found.key, found.value.httpAddress)
    }

    /// The HTTP address of Raft node `id`.
    func httpAddress(of id: NodeID) -> String? { member(id)?.httpAddress }

    /// The raftd name of Raft node `id`.
    func name(of id: NodeID) -> String? { member(id)?.name }

    private func translate(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case RaftNodeError.notLeader(let leader): return .notLeader(leaderHTTPAddress: leader.flatMap(httpAddress(of:)))
        case RaftNodeError.timedOut: return .unavailable("timed out waiting for the cluster (no quorum?)")
        case RaftNodeError.proposalDropped: return .unavailable("the request was dropped by a leader change; retry")
        case RaftNodeError.stopped(let reason): return .unavailable("the node is stopping: \(reason)")
        case RaftNodeError.rejected(let reason) where reason.contains("in progress"):
            return .unavailable("\(reason); retry")
        case RaftNodeError.rejected(let reason): return .badRequest(reason)
        default: return .internalError("\(error)")
        }
    }

    /// Proposes `command` and returns how applying it went.
    private func propose(_ command: Command) async throws(APIError) -> ApplyOutcome {
        let result: CommandResult
        do {
            result = try await raft.propose(command.encoded())
        } catch {
            throw translate(error)
        }
        switch result {
        case .applied(let outcome): return outcome
        case .rejected(let reason): throw .internalError("the state machine refused the command: \(reason)")
        case .none: throw .internalError("the command was applied as a no-op")
        }
    }

    // MARK: NodeService — keys

    func putKey(_ key: [UInt8], value: [UInt8]) async throws(APIError) {
        guard key.count <= machine.current.keys.maxKeySize else {
            throw .badRequest("key longer than \(machine.current.keys.maxKeySize) bytes")
        }
        try requireLeader()
        _ = try await propose(.put(key: key, value: value))
    }

    func deleteKey(_ key: [UInt8]) async throws(APIError) {
        guard key.count <= machine.current.keys.maxKeySize else {
            throw .badRequest("key longer than \(machine.current.keys.maxKeySize) bytes")
        }
        try requireLeader()
        _ = try await propose(.delete(key: key))
    }

    func getKey(_ key: [UInt8], level: ReadLevel) async throws(APIError) -> [UInt8]? {
        switch level {
        case .stale:
            break
        case .default:
            try requireLeader()
        case .consistent:
            try requireLeader()
            do {
                _ = try await raft.readIndex()
            } catch {
                throw translate(error)
            }
        }
        do {
            return try machine.value(of: key)
        } catch {
            throw .internalError("reading the B+tree failed: \(error)")
        }
    }

    // MARK: NodeService — leases

    func grantLease(name: [UInt8], ttl: UInt32) async throws(APIError) -> UInt64 {
        try requireLeader()
        for _ in 0..<8 {
            let id = leases.nextLeaseID(wallClockMilliseconds: Self.wallClockMilliseconds())
            if try await propose(.grant(id: id, name: name, ttl: ttl)) == .done { return id }
        }
        throw .internalError("could not find a free lease id")
    }

    func keepAlive(lease id: UInt64, key: [UInt8], data: [UInt8]) async throws(APIError) {
        try requireLeader()
        do {
            if try leases.refreshIfUnchanged(lease: id, key: key, data: data, now: Self.monotonicNow()) { return }
        } catch {
            throw .internalError("reading lease \(id) failed: \(error)")
        }
        if try await propose(.keepalive(id: id, key: key, data: data)) == .notFound {
            throw .notFound("lease \(id) not found (expired or revoked)")
        }
    }

    func revokeLease(_ id: UInt64) async throws(APIError) {
        try requireLeader()
        if try await propose(.revoke(id: id)) == .notFound { throw .notFound("lease \(id) not found") }
    }

    func timeToLive(_ id: UInt64) async throws(APIError) -> LeaseStatus {
        try requireLeader()
        let status: LeaseStatus?
        do {
            status = try leases.status(of: id, now: Self.monotonicNow())
        } catch {
            throw .internalError("reading lease \(id) failed: \(error)")
        }
        guard let status else { throw .notFound("lease \(id) not found") }
        return status
    }

    func leaseData(keyPrefix: [UInt8], namePrefix: [UInt8]) async throws(APIError) -> [[UInt8]] {
        try requireLeader()
        do {
            return try leases.data(keyPrefix: keyPrefix, namePrefix: namePrefix)
        } catch {
            throw .internalError("reading leases failed: \(error)")
        }
    }

    func listLeases() async throws(APIError) -> [LeaseStatus] {
        try requireLeader()
        do {
            return try leases.allStatuses(now: Self.monotonicNow())
        } catch {
            throw .internalError("reading leases failed: \(error)")
        }
    }

    // MARK: NodeService — cluster

    func join(id: String, httpAddress: String, raftAddress: String) async throws(APIError) {
        try requireLeader()
        let joiningID = NodeIdentity.raftID(of: id)
        let current = raft.status.configuration.member(joiningID)
        let recorded = try? machine.current.keys.members()[id]
        if let current, current.address == raftAddress, current.role == .voter, recorded?.httpAddress == httpAddress {
            return
        }
        if let other = try? machine.current.keys.members().first(where: {
            $0.key != id && NodeIdentity.raftID(of: $0.key) == joiningID
        }) {
            throw .badRequest("node id \(id) collides with member \(other.key)")
        }
        _ = try await propose(.setMember(id: id, httpAddress: httpAddress, raftAddress: raftAddress))
        do {
            if let current, current.address != raftAddress {
                // The same id at a new address: remove the old entry first (one change at a time).
                try await whenNoOtherChange { try await raft.removeServer(joiningID) }
            }
            let member = Member(id: joiningID, address: raftAddress)
            if raft.status.configuration.member(joiningID) == nil {
                // A learner first: it catches up without changing the quorum, so a node that is slow
                // to answer cannot stall the cluster's writes.
                try await whenNoOtherChange { try await raft.addLearner(member) }
                await waitUntilCaughtUp(joiningID)
            }
            if raft.status.configuration.member(joiningID)?.role != .voter {
                try await whenNoOtherChange { try await raft.addVoter(member) }
            }
        } catch {
            throw translate(error)
        }
        logger.info("member \(id) joined (http \(httpAddress), raft \(raftAddress))")
    }

    /// Runs a membership change, waiting (up to 10 s) while another one is in progress: nodes joining
    /// at once each get their turn.
    private func whenNoOtherChange(_ change: () async throws -> Void) async throws {
        for attempt in 0..<100 {
            do {
                try await change()
                return
            } catch RaftNodeError.rejected(let reason) where reason.contains("in progress") && attempt < 99 {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Waits (up to 10 s) until member `id` holds about as much of the log as the leader.
    private func waitUntilCaughtUp(_ id: NodeID) async {
        for _ in 0..<200 {
            let status = raft.status
            if let match = status.matchIndex[id], match + 100 >= status.commitIndex { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    func remove(id: String) async throws(APIError) {
        try requireLeader()
        let removedID = NodeIdentity.raftID(of: id)
        guard raft.status.configuration.member(removedID) != nil else { throw .notFound("no member \(id)") }
        do {
            try await raft.removeServer(removedID)
        } catch {
            throw translate(error)
        }
        _ = try await propose(.removeMember(id: id))
        logger.info("member \(id) removed")
    }

    func status() async -> NodeStatus {
        let status = raft.status
        let recorded = (try? machine.current.keys.members()) ?? [:]
        var members: [NodeStatus.Member] = []
        for member in status.configuration.members {
            let name = recorded.first { NodeIdentity.raftID(of: $0.key) == member.id }
            members.append(
                NodeStatus.Member(
                    id: name?.key ?? (member.id == raftID ? configuration.id : String(member.id)),
                    httpAddress: name?.value.httpAddress ?? (member.id == raftID ? configuration.httpAddress : ""),
                    raftAddress: member.address, role: member.role == .voter ? "voter" : "learner"))
        }
        let state: String
        switch status.role {
        case .leader: state = "leader"
        case .follower: state = "follower"
        case .candidate: state = "candidate"
        case .preCandidate: state = "precandidate"
        }
        return NodeStatus(
            id: configuration.id, state: state, term: status.term, leaderID: name(of: status.leader),
            leaderHTTPAddress: httpAddress(of: status.leader), commitIndex: status.commitIndex,
            appliedIndex: status.appliedIndex, members: members)
    }

    func metrics() async -> String {
        let leaseCount = (try? machine.current.leases.allLeases().count) ?? 0
        return metricsRegistry.render(status: raft.status, leases: leaseCount)
    }
}
