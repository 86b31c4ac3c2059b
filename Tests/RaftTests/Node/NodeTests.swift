import Foundation
import Raft
import RaftTransport
import Testing

/// A port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, released).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw RaftNodeError.rejected("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw RaftNodeError.rejected("bind failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Three (or more) RaftNodes in this process, over real loopback TCP, each with its own directory.
final class NodeTestCluster: @unchecked Sendable {
    let root: String
    var members: [Member] = []
    var nodes: [NodeID: RaftNode<NodeTestMachine>] = [:]
    var options = RaftNodeOptions()

    init(size: Int) throws {
        root =
            FileManager.default.temporaryDirectory.path + "/raft-node-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        for id in 1...UInt64(size) {
            members.append(Member(id: id, address: "127.0.0.1:\(try freeLoopbackPort())"))
        }
        options.tickInterval = .milliseconds(20)
        options.requestTimeout = .seconds(5)
    }

    func start(_ id: NodeID, bootstrap: Configuration?) async throws {
        guard let member = members.first(where: { $0.id == id }),
            let port = Int(member.address.split(separator: ":")[1])
        else { return }
        var peers: [NodeID: String] = [:]
        for other in members where other.id != id { peers[other.id] = other.address }
        nodes[id] = try await RaftNode.start(
            id: id, directory: "\(root)/node\(id)", machine: NodeTestMachine(), bootstrap: bootstrap, options: options
        ) { handler in
            try await TCPTransport.start(id: id, port: port, peers: peers, handler: handler)
        }
    }

    func startAll() async throws {
        let configuration = Configuration(members: members)
        for member in members { try await start(member.id, bootstrap: configuration) }
    }

    func stop(_ id: NodeID) async {
        await nodes[id]?.stop()
        nodes[id] = nil
    }

    func stopAll() async {
        for id in Array(nodes.keys) { await stop(id) }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The leader all running nodes agree on, waiting up to `seconds`.
    func leader(within seconds: Double = 10) async throws -> RaftNode<NodeTestMachine> {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let leaders = nodes.values.filter { $0.status.role == .leader }
            if leaders.count == 1, let leader = leaders.first,
                nodes.values.allSatisfy({ $0.status.leader == leader.id })
            {
                return leader
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RaftNodeError.timedOut
    }

    /// Waits until every running node has applied at least `index`.
    func waitApplied(_ index: UInt64, within seconds: Double = 15) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if nodes.values.allSatisfy({ $0.status.appliedIndex >= index }) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RaftNodeError.timedOut
    }

    /// Proposes `key=value` on the current leader, retrying through leader changes.
    @discardableResult
    func put(_ key: String, _ value: String) async throws -> Int {
        for _ in 0..<50 {
            let leader = try await leader()
            do {
                return try await leader.propose(Array("\(key)=\(value)".utf8))
            } catch RaftNodeError.notLeader, RaftNodeError.proposalDropped {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        throw RaftNodeError.timedOut
    }
}

@Suite("RaftNode: three nodes over loopback TCP", .serialized)
struct NodeTests {
    @Test func electsCommitsFailsOverAndTakesBackARestartedNode() async throws {
        let cluster = try NodeTestCluster(size: 3)
        do {
            try await cluster.startAll()
            let first = try await cluster.leader()
            for n in 0..<200 { try await cluster.put("k\(n)", "v\(n)") }
            try await cluster.waitApplied(try await first.readIndex())
            for node in cluster.nodes.values { #expect(node.machine.values["k199"] == "v199") }

            // A linearizable read on a follower sees the last write.
            let follower = try #require(cluster.nodes.values.first { $0.id != first.id })
            _ = try await follower.readIndex()
            #expect(follower.machine.values["k199"] == "v199")
            // A proposal on a follower is refused with the leader's id.
            await #expect(throws: RaftNodeError.notLeader(leader: first.id)) {
                _ = try await follower.propose(Array("x=y".utf8))
            }

            // Lose the leader: the others elect a new one and keep committing.
            let oldLeader = first.id
            await cluster.stop(oldLeader)
            let second = try await cluster.leader()
            #expect(second.id != oldLeader)
            for n in 200..<300 { try await cluster.put("k\(n)", "v\(n)") }

            // The old leader comes back with its data and catches up.
            try await cluster.start(oldLeader, bootstrap: nil)
            try await cluster.waitApplied(try await cluster.leader().readIndex())
            let restarted = try #require(cluster.nodes[oldLeader])
            #expect(restarted.machine.values["k299"] == "v299")
            #expect(restarted.machine.values.count == 300)
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }

    @Test func aNodeThatMissedManyEntriesCatchesUpThroughASnapshot() async throws {
        let cluster = try NodeTestCluster(size: 3)
        cluster.options.snapshotInterval = 1_000
        if ProcessInfo.processInfo.environment["RAFT_NODE_LOG"] != nil {
            cluster.options.logger = { print($0) }
        }
        do {
            try await cluster.startAll()
            let leader = try await cluster.leader()
            let lagging = try #require(cluster.members.map(\.id).first { $0 != leader.id })
            await cluster.stop(lagging)
            // 10k entries, proposed 100 at a time concurrently.
            for batch in 0..<100 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for n in 0..<100 {
                        group.addTask { try await cluster.put("k\(batch * 100 + n)", "v\(n)") }
                    }
                    try await group.waitForAll()
                }
            }
            let current = try await cluster.leader()
            #expect(current.status.snapshotIndex >= 9_000)
            try await cluster.start(lagging, bootstrap: nil)
            try await cluster.waitApplied(try await current.readIndex(), within: 30)
            let caughtUp = try #require(cluster.nodes[lagging])
            #expect(caughtUp.machine.restores >= 1, "it caught up through a snapshot")
            #expect(caughtUp.machine.values == current.machine.values)
            #expect(caughtUp.machine.values.count == 10_000)
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }

    @Test func membershipGrowsFromOneNodeAndShrinks() async throws {
        let cluster = try NodeTestCluster(size: 3)
        do {
            let founder = cluster.members[0]
            try await cluster.start(founder.id, bootstrap: Configuration(members: [founder]))
            let leader = try await cluster.leader()
            try await cluster.put("a", "1")
            for member in cluster.members.dropFirst() {
                try await cluster.start(member.id, bootstrap: nil)
                try await leader.addVoter(member)
            }
            #expect(leader.status.configuration.voters == [1, 2, 3])
            try await cluster.put("b", "2")
            try await cluster.waitApplied(try await leader.readIndex())
            for node in cluster.nodes.values { #expect(node.machine.values == ["a": "1", "b": "2"]) }
            try await leader.removeServer(3)
            await cluster.stop(3)
            #expect(leader.status.configuration.voters == [1, 2])
            try await cluster.put("c", "3")
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }
}
