import Foundation
import Testing

@testable import Raft

/// Hostile or nonsensical input must never trap the core: random messages of every kind, with
/// plausible and extreme field values, stepped into the servers of a live cluster.
@Suite struct RobustnessTests {
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["RAFT_TEST_SEED"].flatMap { UInt64($0) } ?? 4242
    }

    func randomMessage(_ random: inout SimRandom, to: NodeID, around core: RaftCore) -> Message {
        let status = core.status
        /// A value near `base`, without overflowing.
        func near(_ base: UInt64, _ spread: Int) -> UInt64 {
            let delta = random.int(-spread...spread)
            return delta < 0
                ? base.subtractingReportingOverflow(UInt64(-delta)).partialValue.clamped(below: base)
                : base.addingReportingOverflow(UInt64(delta)).partialValue.clamped(above: base)
        }
        func index() -> UInt64 {
            switch random.int(0...9) {
            case 0: return 0
            case 1: return .max
            case 2: return .max - 1
            default: return near(status.lastIndex, 5)
            }
        }
        func term() -> UInt64 {
            random.chance(0.05) ? random.pick([0, .max, .max - 1]) : near(status.term, 2)
        }
        func context() -> [UInt8] { random.chance(0.5) ? [] : [UInt8(random.int(0...3))] }
        let messageTerm = term()
        let body: MessageBody
        switch random.int(0...9) {
        case 0:
            body = .requestVote(
                lastLogIndex: index(), lastLogTerm: term(), preVote: random.chance(0.5),
                leadershipTransfer: random.chance(0.2))
        case 1:
            body = .voteResponse(granted: random.chance(0.5), preVote: random.chance(0.5))
        case 2:
            let previous = index()
            let count = random.int(0...3)
            let entries = (0..<count).map { offset in
                Entry(
                    term: random.chance(0.8) ? messageTerm : term(),
                    index: random.chance(0.9) ? previous &+ UInt64(offset) &+ 1 : index(),
                    kind: random.chance(0.1) ? .configurationChange : .normal,
                    data: random.chance(0.5) ? [] : [UInt8(random.int(0...255))])
            }
            body = .appendEntries(prevLogIndex: previous, prevLogTerm: term(), entries: entries, commit: index())
        case 3:
            body = .appendResponse(rejected: random.chance(0.5), index: index(), hintIndex: index(), hintTerm: term())
        case 4:
            body = .heartbeat(commit: index(), context: context())
        case 5:
            body = .heartbeatResponse(context: context())
        case 6:
            let members = (0..<random.int(0...4)).map { Member(id: UInt64($0 + 1), address: "x") }
            body = .installSnapshot(
                SnapshotChunk(
                    metadata: SnapshotMetadata(
                        index: index(), term: term(), configuration: Configuration(members: members)),
                    done: random.chance(0.8)))
        case 7:
            body = .timeoutNow
        case 8:
            body = .readIndex(context: context())
        default:
            body = .readIndexResponse(index: index(), context: context())
        }
        return Message(from: NodeID(random.int(0...4)), to: random.chance(0.95) ? to : 9, term: messageTerm, body: body)
    }

    @Test func randomMessagesNeverTrapTheCore() throws {
        var random = SimRandom(seed: RobustnessTests.seed)
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        var commits: [NodeID: UInt64] = [:]
        for step in 0..<20_000 {
            let id = NodeID(random.int(1...3))
            let node = cluster[id]
            switch random.int(0...19) {
            case 0:
                try node.core.tick()
            case 1:
                _ = try? node.core.propose(bytes("p\(step)"))
            case 2:
                try? node.core.readIndex(context: [UInt8(step % 256)])
            case 3:
                if random.chance(0.1) { try node.restart() }
            default:
                try node.core.step(randomMessage(&random, to: id, around: node.core))
            }
            // Messages between the servers are delivered too, so the cluster keeps making progress.
            if random.chance(0.3) { try cluster.stabilize() } else { _ = try node.drain() }
            let commit = node.core.status.commit
            #expect(commit >= commits[id, default: 0], "seed \(RobustnessTests.seed) step \(step)")
            commits[id] = commit
        }
    }

    @Test func randomBytesNeverTrapTheDecoderOrTheCore() throws {
        var random = SimRandom(seed: RobustnessTests.seed &+ 1)
        let cluster = try TestCluster([1, 2])
        try cluster.elect(1)
        var decoded = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8]
            if random.chance(0.2) {
                bytes = (0..<random.int(0...40)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            } else {
                // A valid message with a byte or two damaged, so that bodies are exercised.
                let target = NodeID(random.int(1...2))
                bytes = randomMessage(&random, to: target, around: cluster[target].core).encoded()
                for _ in 0..<random.int(0...2) where !bytes.isEmpty {
                    bytes[random.int(0...(bytes.count - 1))] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            guard let message = try? Message(decoding: bytes) else { continue }
            decoded += 1
            if let node = cluster.nodes[message.to] {
                try node.core.step(message)
                _ = try node.drain()
            }
        }
        #expect(decoded > 5000)
    }
}

extension UInt64 {
    /// `self` if it is at most `base` (no wrap-around below), else 0.
    fileprivate func clamped(below base: UInt64) -> UInt64 { self <= base ? self : 0 }
    /// `self` if it is at least `base` (no wrap-around above), else the maximum.
    fileprivate func clamped(above base: UInt64) -> UInt64 { self >= base ? self : .max }
}
