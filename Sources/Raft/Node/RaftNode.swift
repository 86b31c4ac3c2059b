import Dispatch
import Synchronization

/// A Raft server: the ``RaftCore`` protocol driven by a loop of its own, with a durable log, hard
/// state and snapshots on disk, a transport to its peers, and a ``RaftStateMachine`` it applies
/// committed entries to.
///
/// ```swift
/// let node = try await RaftNode.start(
///     id: 1, directory: "/var/lib/app/raft", machine: machine,
///     bootstrap: Configuration(members: [Member(id: 1, address: "127.0.0.1:8101")])
/// ) { handler in try await TCPTransport.start(id: 1, port: 8101, peers: [:], handler: handler) }
/// let result = try await node.propose(command)     // once committed and applied
/// _ = try await node.readIndex()                   // then read the machine: linearizable
/// ```
///
/// The loop runs on a thread of its own (it blocks on `fdatasync`), wakes on every request and every
/// tick, and handles each ``Ready`` in the order the core requires: persist (one sync for all the
/// entries gathered), then send, then apply, then advance. Requests from many callers that arrive
/// while the loop works are batched into one Ready, so one sync serves them all.
public final class RaftNode<Machine: RaftStateMachine>: Sendable {
    /// This server's id.
    public let id: NodeID
    /// The state machine.
    public let machine: Machine

    private let inbox = Mutex(RaftNodeInbox<Machine.Result>())
    private let wakeup = DispatchSemaphore(value: 0)
    private let published: Mutex<RaftNodeStatus>
    private let loopFinished = DispatchSemaphore(value: 0)
    private let driver: RaftDriverBox<Machine>
    /// Set once by ``start(id:directory:machine:bootstrap:options:onLeaderReady:transport:)``.
    private let transportBox = Mutex<(any RaftTransport)?>(nil)

    private init(id: NodeID, machine: Machine, driver: RaftDriver<Machine>) {
        self.id = id
        self.machine = machine
        self.driver = RaftDriverBox(driver)
        self.published = Mutex(driver.currentStatus())
    }

    /// Opens (or creates) the node's storage in `directory`, restores the state machine from the
    /// latest snapshot if it lags behind it, starts the transport and the loop.
    ///
    /// - Parameters:
    ///   - bootstrap: for a brand-new cluster, its first configuration (every founding server passes
    ///     the same one); `nil` for a server that joins an existing cluster (a leader adds it with
    ///     ``addVoter(_:)``) or restarts with its own storage.
    ///   - onLeaderReady: called on the node's loop each time this node, as leader, has applied
    ///     everything up to the start of its term: state read from the machine is then complete.
    ///   - onRoleChange: called on the loop when the role or the known leader changes.
    ///   - transport: makes the transport, given the handler through which it must deliver what
    ///     arrives from peers.
    public static func start(
        id: NodeID, directory: String, machine: Machine, bootstrap: Configuration? = nil,
        options: RaftNodeOptions = RaftNodeOptions(),
        onLeaderReady: @escaping @Sendable (_ term: UInt64) -> Void = { _ in },
        onRoleChange: @escaping @Sendable (_ role: RaftRole, _ leader: NodeID, _ term: UInt64) -> Void = { _, _, _ in },
        transport: (@escaping RaftMessageHandler) async throws -> any RaftTransport
    ) async throws -> RaftNode {
        let driver = try RaftDriver(
            id: id, directory: directory, machine: machine, bootstrap: bootstrap, options: options,
            onLeaderReady: onLeaderReady, onRoleChange: onRoleChange)
        let node = RaftNode(id: id, machine: machine, driver: driver)
        let made = try await transport { [weak node] from, payload in node?.receive(from: from, payload: payload) }
        node.transportBox.withLock { $0 = made }
        driver.transport = made
        driver.updatePeers()
        let thread = DispatchQueue(label: "raft-node-\(id)")
        thread.async { node.runLoop() }
        return node
    }

    // MARK: Requests

    /// Replicates `data` and returns what the state machine's `apply` returned for it, once the entry
    /// is committed and applied on this node.
    ///
    /// - Throws: ``RaftNodeError/notLeader(leader:)`` on a follower (retry on the leader),
    ///   ``RaftNodeError/proposalDropped`` if a leader change discarded the entry,
    ///   ``RaftNodeError/timedOut``, ``RaftNodeError/stopped(_:)``.
    public func propose(_ data: [UInt8]) async throws -> Machine.Result {
        guard !data.isEmpty else { throw RaftNodeError.rejected("empty proposal") }
        return try await withCheckedThrowingContinuation { continuation in
            enqueue { $0.proposals.append(.init(data: data, continuation: continuation)) }
        }
    }

    /// Confirms with a quorum that the leader still leads, and returns once this node has applied
    /// everything committed before the call: reads of the state machine after it are linearizable.
    /// On a follower the request goes to the leader.
    ///
    /// - Returns: the read index.
    public func readIndex() async throws -> UInt64 {
        try await withCheckedThrowingContinuation { continuation in
            enqueue { $0.reads.append(continuation) }
        }
    }

    /// Adds `member` as a voter (or promotes a learner), once the change is committed.
    public func addVoter(_ member: Member) async throws {
        try await change(.addVoter(Member(id: member.id, address: member.address, role: .voter)))
    }

    /// Adds `member` as a learner: it receives the log but does not vote.
    public func addLearner(_ member: Member) async throws {
        try await change(.addLearner(Member(id: member.id, address: member.address, role: .learner)))
    }

    /// Removes server `id` from the cluster, once the change is committed.
    public func removeServer(_ id: NodeID) async throws {
        try await change(.remove(id))
    }

    private func change(_ change: ConfigurationChange) async throws {
        try await withCheckedThrowingContinuation { continuation in
            enqueue { $0.changes.append(.init(change: change, continuation: continuation)) }
        }
    }

    /// Asks the leader (this node) to hand leadership to `target`; returns when the request is
    /// made, not when `target` has won (watch ``status``).
    public func transferLeadership(to target: NodeID) async throws {
        try await withCheckedThrowingContinuation { continuation in
            enqueue { $0.transfers.append((target, continuation)) }
        }
    }

    /// Tells the transport where servers listen before the configuration does: a server joining a
    /// cluster must be able to answer the leader before the log reaches it.
    public func learnAddresses(_ peers: [NodeID: String]) {
        enqueue { $0.learnedPeers.merge(peers) { _, new in new } }
    }

    /// The node's state as of its loop's last step.
    public var status: RaftNodeStatus { published.withLock { $0 } }

    /// Stops the loop and the transport. Waiting requests fail with ``RaftNodeError/stopped(_:)``.
    public func stop() async {
        let alreadyStopped = inbox.withLock { inbox in
            defer { inbox.stopRequested = true }
            return inbox.stopRequested
        }
        wakeup.signal()
        if !alreadyStopped {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    self.loopFinished.wait()
                    self.loopFinished.signal()
                    continuation.resume()
                }
            }
        }
        if let transport = transportBox.withLock({ $0 }) { await transport.shutdown() }
    }

    // MARK: Loop

    private func enqueue(_ add: (inout RaftNodeInbox<Machine.Result>) -> Void) {
        inbox.withLock { add(&$0) }
        wakeup.signal()
    }

    private func receive(from: NodeID, payload: [UInt8]) {
        enqueue { $0.messages.append((from, payload)) }
    }

    private func runLoop() {
        let driver = driver.driver
        var nextTick = (DispatchTime.now() + driver.tickInterval)
        while true {
            _ = wakeup.wait(timeout: nextTick)
            var batch = inbox.withLock { inbox in
                defer { inbox = RaftNodeInbox(stopRequested: inbox.stopRequested) }
                return inbox
            }
            if batch.stopRequested {
                driver.stop(reason: "stopped", pending: &batch)
                published.withLock { $0 = driver.currentStatus() }
                break
            }
            var ticks = 0
            let now = DispatchTime.now()
            while nextTick <= now {
                ticks += 1
                nextTick = nextTick + driver.tickInterval
            }
            driver.step(
                batch: &batch, ticks: ticks,
                reportSnapshot: { [weak self] peer, ok in
                    self?.enqueue { $0.snapshotReports.append((peer, ok)) }
                })
            published.withLock { $0 = driver.currentStatus() }
            if driver.stoppedReason != nil { break }
        }
        loopFinished.signal()
    }
}

extension RaftNodeInbox {
    init(stopRequested: Bool) {
        self.init()
        self.stopRequested = stopRequested
    }
}

/// Holds the driver, which only the node's loop thread touches after start.
///
/// `@unchecked Sendable` because the driver is confined: `start` finishes setting it up before the
/// loop starts, and from then on only the loop (one serial queue) uses it.
final class RaftDriverBox<Machine: RaftStateMachine>: @unchecked Sendable {
    let driver: RaftDriver<Machine>
    init(_ driver: RaftDriver<Machine>) { self.driver = driver }
}
