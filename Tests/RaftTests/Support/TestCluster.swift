@testable import Raft

/// Cores wired together by a synchronous, in-order network that can drop links and isolate nodes:
/// the unit tests' cluster. Every message goes through the wire codec.
final class TestCluster {
    var nodes: [NodeID: TestNode] = [:]
    /// Links (from, to) that drop everything.
    var cutLinks: Set<[NodeID]> = []
    /// Nodes that neither send nor receive.
    var isolated: Set<NodeID> = []
    /// A filter applied to every message: false drops it.
    var filter: (Message) -> Bool = { _ in true }
    /// A rewrite applied to every message that passes.
    var rewrite: (Message) -> Message = { $0 }
    /// Every message delivered, for assertions.
    var delivered: [Message] = []

    /// A bootstrapped cluster of voters `ids`.
    init(_ ids: [NodeID], configure: (inout RaftOptions) -> Void = { _ in }) throws {
        let configuration = Configuration(members: ids.map { Member(id: $0, address: "n\($0)") })
        for id in ids {
            nodes[id] = try TestNode(id: id, bootstrap: configuration, configure: configure)
        }
    }

    subscript(id: NodeID) -> TestNode {
        guard let node = nodes[id] else { fatalError("no node \(id)") }
        return node
    }

    /// Adds a node that joins without bootstrap.
    func addJoiner(_ id: NodeID, configure: (inout RaftOptions) -> Void = { _ in }) throws {
        nodes[id] = try TestNode(id: id, bootstrap: nil, configure: configure)
    }

    /// Whether a message may pass.
    func passes(_ message: Message) -> Bool {
        !isolated.contains(message.from) && !isolated.contains(message.to)
            && !cutLinks.contains([message.from, message.to]) && filter(message)
    }

    /// Delivers messages until none remain (bounded, so a livelock fails the test instead of hanging).
    func stabilize(maxRounds: Int = 10_000) throws {
        var queue: [Message] = []
        for id in nodes.keys.sorted() { queue += try nodes[id]?.drain() ?? [] }
        var rounds = 0
        while !queue.isEmpty {
            rounds += 1
            guard rounds < maxRounds else { throw TestFailure("no quiescence after \(maxRounds) rounds") }
            let original = queue.removeFirst()
            guard passes(original), let node = nodes[original.to] else { continue }
            let message = rewrite(original)
            let decoded = try Message(decoding: message.encoded())
            guard decoded == message else { throw TestFailure("codec round trip changed \(message)") }
            delivered.append(message)
            try node.core.step(decoded)
            queue += try node.drain()
            if case .installSnapshot = message.body, let sender = nodes[message.from] {
                // The "transport" streamed it whole: tell the sender, as a driver does.
                sender.core.reportSnapshotStatus(message.to, succeeded: true)
                queue += try sender.drain()
            }
        }
    }

    /// Ticks every node `count` times, stabilizing after each tick.
    func tick(_ count: Int = 1, only ids: [NodeID]? = nil) throws {
        for _ in 0..<count {
            for id in ids ?? nodes.keys.sorted() { try nodes[id]?.core.tick() }
            try stabilize()
        }
    }

    /// Makes `id` campaign and delivers the election.
    func elect(_ id: NodeID) throws {
        try self[id].core.campaign()
        try stabilize()
    }

    /// The nodes that believe they lead.
    var leaders: [NodeID] { nodes.values.filter { $0.core.currentRole == .leader }.map(\.id).sorted() }

    /// The messages delivered so far that satisfy `predicate`.
    func deliveredCount(where predicate: (Message) -> Bool) -> Int { delivered.count(where: predicate) }

    /// Takes a snapshot on `id` at its applied index and compacts its log up to it.
    func compact(_ id: NodeID) throws {
        let node = self[id]
        let applied = node.core.status.applied
        let metadata = try node.core.snapshotMetadata(at: applied)
        node.storage.snapshotCreated(metadata)
        node.storage.compact(through: applied)
    }

    /// Sends `message` directly (as if from the network).
    func inject(_ message: Message) throws {
        try self[message.to].core.step(message)
        try stabilize()
    }
}

/// A test failure with a message.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Bytes of a string.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
