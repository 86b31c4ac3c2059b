import Raft
import Synchronization
import Testing

@testable import Server

@Suite struct ServerStateMachineTests {
    private func entries(_ commands: [Command], from first: UInt64) -> [Entry] {
        commands.enumerated().map { offset, command in
            Entry(term: 1, index: first + UInt64(offset), data: command.encoded())
        }
    }

    private let sample: [Command] = [
        .put(key: bytes("a"), value: bytes("1")),
        .grant(id: 10, name: bytes("/esq/node-1"), ttl: 10),
        .put(key: bytes("b"), value: bytes("2")),
        .keepalive(id: 10, key: bytes("nodeinfo"), data: bytes("{}")),
        .delete(key: bytes("a")),
        .setMember(id: "node01", httpAddress: "127.0.0.1:7200", raftAddress: "127.0.0.1:8200"),
    ]

    @Test func appliesBothEnginesAndReportsOutcomes() throws {
        let directory = TemporaryDirectory("sm")
        defer { directory.cleanup() }
        let machine = try ServerStateMachine(directory: directory.path)
        var batch = entries(sample, from: 1)
        batch.insert(Entry(term: 1, index: 0, data: []), at: 0)  // renumbered below
        batch = batch.enumerated().map { Entry(term: 1, index: UInt64($0.offset + 1), data: $0.element.data) }
        batch.append(Entry(term: 1, index: 8, data: [9, 9, 9]))
        batch.append(Entry(term: 1, index: 9, data: Command.revoke(id: 99).encoded()))
        let results = try machine.apply(batch)
        #expect(results.first == CommandResult.none)
        #expect(results[4] == .applied(.done))
        #expect(results[7].isRejected)
        #expect(results[8] == .applied(.notFound))
        let live = machine.current
        #expect(try live.keys.get(bytes("a")) == nil)
        #expect(try live.keys.get(bytes("b")) == bytes("2"))
        #expect(try live.leases.lease(10)?.keys.count == 1)
        // The B+tree last changed at 7 (setMember); the leases saw every index up to 9.
        #expect(try machine.appliedIndex() == 7)
        try machine.sync()
        #expect(try machine.appliedIndex() == 9)
        try machine.close()
    }

    @Test func pendingKeyWritesAreVisibleAndReachTheBTreeBySync() throws {
        let directory = TemporaryDirectory("sm")
        defer { directory.cleanup() }
        let machine = try ServerStateMachine(directory: directory.path)
        _ = try machine.apply(entries([.put(key: bytes("a"), value: bytes("1"))], from: 1))
        _ = try machine.apply(entries([.delete(key: bytes("a")), .put(key: bytes("b"), value: bytes("2"))], from: 2))
        #expect(try machine.value(of: bytes("a")) == nil)
        #expect(try machine.value(of: bytes("b")) == bytes("2"))
        // 1,000 pending commands force a commit on the apply path.
        _ = try machine.apply(
            entries((0..<1_000).map { .put(key: bytes("k\($0)"), value: bytes("v")) }, from: 4))
        #expect(try machine.current.keys.get(bytes("k999")) == bytes("v"))
        _ = try machine.apply(entries([.put(key: bytes("c"), value: bytes("3"))], from: 1_004))
        try machine.sync()
        #expect(try machine.current.keys.get(bytes("c")) == bytes("3"))
        #expect(try machine.current.keys.appliedIndex() == 1_004)
        try machine.close()
    }

    /// The applied hook is read on every apply; it must stay the same closure. (It once gained two
    /// reabstraction thunks per read, so calling it recursed deeper each time until the stack ran out.)
    @Test func theAppliedHookStaysFlatOverManyApplies() throws {
        let directory = TemporaryDirectory("sm")
        defer { directory.cleanup() }
        let machine = try ServerStateMachine(directory: directory.path)
        let calls = Mutex(0)
        machine.setOnApplied { _, _ in calls.withLock { $0 += 1 } }
        let command = Command.put(key: bytes("k"), value: bytes("v")).encoded()
        for index in 1...80_000 as ClosedRange<UInt64> {
            _ = try machine.apply([Entry(term: 1, index: index, data: command)])
        }
        #expect(calls.withLock { $0 } == 80_000)
        try machine.close()
    }

    @Test func replayAfterReopenAppliesNothingTwice() throws {
        let directory = TemporaryDirectory("sm")
        defer { directory.cleanup() }
        let batch = entries(sample, from: 1)
        do {
            let machine = try ServerStateMachine(directory: directory.path)
            _ = try machine.apply(batch)
            try machine.sync()
            try machine.close()
        }
        let machine = try ServerStateMachine(directory: directory.path)
        #expect(try machine.appliedIndex() == 6)
        // A replayed keepalive would bump the key's revision; a replayed grant would conflict.
        let results = try machine.apply(batch)
        #expect(results.allSatisfy { $0 == .applied(.done) })
        #expect(try machine.current.leases.lease(10)?.keys.first?.revision == 4)
        try machine.close()
    }

    @Test func snapshotRestoresIdenticalStateInANewGeneration() throws {
        let source = TemporaryDirectory("sm-source")
        let target = TemporaryDirectory("sm-target")
        defer {
            source.cleanup()
            target.cleanup()
        }
        let machine = try ServerStateMachine(directory: source.path)
        var commands: [Command] = sample
        for n in 0..<2_000 {
            commands.append(.put(key: bytes("key/\(n)"), value: Array(repeating: UInt8(n & 0xFF), count: n % 300)))
            if n % 10 == 0 { commands.append(.grant(id: UInt64(1000 + n), name: bytes("/svc/\(n)"), ttl: 30)) }
        }
        _ = try machine.apply(entries(commands, from: 1))
        var stream: [UInt8] = []
        try machine.writeSnapshot { stream += $0 }

        let restored = try ServerStateMachine(directory: target.path)
        _ = try restored.apply(entries([.put(key: bytes("stale"), value: bytes("x"))], from: 1))
        var offset = 0
        let metadata = SnapshotMetadata(index: UInt64(commands.count), term: 1, configuration: Configuration())
        try restored.restore(
            from: {
                let end = min(offset + 4096, stream.count)
                defer { offset = end }
                return Array(stream[offset..<end])
            }, metadata: metadata)
        #expect(restored.current.generation == 2)
        #expect(try restored.current.keys.get(bytes("stale")) == nil)
        for n in stride(from: 0, to: 2_000, by: 37) {
            #expect(try restored.current.keys.get(bytes("key/\(n)")) == machine.current.keys.get(bytes("key/\(n)")))
        }
        #expect(try restored.current.leases.allLeases() == machine.current.leases.allLeases())
        #expect(try restored.appliedIndex() == UInt64(commands.count))
        try restored.close()
        // The new generation is what a restart opens.
        let reopened = try ServerStateMachine(directory: target.path)
        #expect(reopened.current.generation == 2)
        #expect(try reopened.current.keys.get(bytes("key/1")) == [1])
        try reopened.close()
        try machine.close()
    }

    @Test func aTruncatedSnapshotLeavesTheOldStateLive() throws {
        let source = TemporaryDirectory("sm-source")
        let target = TemporaryDirectory("sm-target")
        defer {
            source.cleanup()
            target.cleanup()
        }
        let machine = try ServerStateMachine(directory: source.path)
        _ = try machine.apply(entries(sample, from: 1))
        var stream: [UInt8] = []
        try machine.writeSnapshot { stream += $0 }
        try machine.close()

        let restored = try ServerStateMachine(directory: target.path)
        _ = try restored.apply(entries([.put(key: bytes("mine"), value: bytes("x"))], from: 1))
        var sent = false
        #expect(throws: (any Error).self) {
            try restored.restore(
                from: {
                    defer { sent = true }
                    return sent ? [] : Array(stream[0..<(stream.count / 2)])
                }, metadata: SnapshotMetadata(index: 6, term: 1, configuration: Configuration()))
        }
        #expect(try restored.current.keys.get(bytes("mine")) == bytes("x"))
        try restored.close()
        let reopened = try ServerStateMachine(directory: target.path)
        #expect(reopened.current.generation == 1)
        #expect(try reopened.current.keys.get(bytes("mine")) == bytes("x"))
        try reopened.close()
    }
}

extension CommandResult {
    var isRejected: Bool {
        if case .rejected = self { return true }
        return false
    }
}
