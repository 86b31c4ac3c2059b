import Testing

@testable import Raft

/// Log replication: commitment by quorum and by current term only, conflict truncation, fast
/// backtracking, batching, flow control, restart, durability before send.
@Suite struct ReplicationTests {
    @Test func proposalsCommitOnEveryNode() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        for value in ["a", "b", "c"] { try cluster[1].core.propose(bytes(value)) }
        try cluster.stabilize()
        for id: NodeID in [1, 2, 3] {
            #expect(cluster[id].commands == [bytes("a"), bytes("b"), bytes("c")])
        }
    }

    @Test func commitNeedsAQuorum() throws {
        let cluster = try TestCluster([1, 2, 3], configure: { $0.checkQuorum = false })
        try cluster.elect(1)
        cluster.isolated = [2, 3]
        let (index, _) = try cluster[1].core.propose(bytes("x"))
        try cluster.stabilize()
        #expect(cluster[1].core.status.commit < index)
        #expect(cluster[1].commands.isEmpty)
        cluster.isolated = [3]
        try cluster.tick(2)
        #expect(cluster[1].core.status.commit == index)
        #expect(cluster[1].commands == [bytes("x")])
    }

    @Test func followerReplacesAConflictingSuffix() throws {
        let cluster = try TestCluster([1, 2, 3], configure: { $0.checkQuorum = false })
        try cluster.elect(1)
        // Leader 1, cut off, appends entries nobody else gets.
        cluster.isolated = [1]
        try cluster[1].core.propose(bytes("lost-1"))
        try cluster[1].core.propose(bytes("lost-2"))
        try cluster.stabilize()
        // The others elect 2 and commit their own entries at the same indices.
        try cluster.elect(2)
        try cluster[2].core.propose(bytes("kept"))
        try cluster.stabilize()
        cluster.isolated = []
        try cluster.tick(3)
        let logs = try [1, 2, 3].map { try cluster[$0].storedLog() }
        #expect(logs[0] == logs[1] && logs[1] == logs[2])
        #expect(!logs[0].contains { $0.data == bytes("lost-1") || $0.data == bytes("lost-2") })
        #expect(cluster[1].commands == [bytes("kept")])
    }

    /// Raft's Figure 8: a leader must not commit an entry of an earlier term by counting replicas,
    /// only together with an entry of its own term.
    @Test func earlierTermEntriesCommitOnlyWithACurrentTermEntry() throws {
        let configuration = Configuration(members: [1, 2, 3].map { Member(id: $0, address: "n\($0)") })
        let bootstrap = Entry(
            term: 1, index: 1, kind: .configurationChange,
            data: ConfigurationEntry(change: nil, configuration: configuration).encoded())
        let cluster = try TestCluster([])
        for id: NodeID in [1, 2, 3] {
            let storage = MemoryLogStorage()
            storage.append(id == 1 ? [bootstrap, Entry(term: 2, index: 2, data: bytes("old"))] : [bootstrap])
            var options = RaftOptions(id: id)
            options.maxEntriesPerMessage = 1
            cluster.nodes[id] = try TestNode(
                id: id, storage: storage, hardState: HardState(term: 2, vote: 0, commit: 1), options: options)
        }
        // Followers receive the old entry but not the new leader's no-op.
        cluster.rewrite = { message in
            guard case .appendEntries(let index, let term, let entries, let commit) = message.body else {
                return message
            }
            var copy = message
            copy.body = .appendEntries(
                prevLogIndex: index, prevLogTerm: term, entries: entries.filter { $0.term != 3 }, commit: commit)
            return copy
        }
        try cluster[1].core.campaign()
        try cluster.stabilize()
        #expect(cluster.leaders == [1])
        #expect(cluster[1].core.currentTerm == 3)
        #expect(try cluster[2].storedLog().map(\.index) == [1, 2])
        // Index 2 is on all three, yet of term 2: not committed.
        #expect(cluster[1].core.status.commit == 1)
        cluster.rewrite = { $0 }
        try cluster.tick(2)
        #expect(cluster[1].core.status.commit == 3)
        #expect(cluster[2].commands == [bytes("old")])
    }

    @Test func fastBacktrackingSkipsAWholeConflictingTerm() throws {
        let configuration = Configuration(members: [1, 2, 3].map { Member(id: $0, address: "n\($0)") })
        let bootstrap = Entry(
            term: 1, index: 1, kind: .configurationChange,
            data: ConfigurationEntry(change: nil, configuration: configuration).encoded())
        let cluster = try TestCluster([])
        for id: NodeID in [1, 2, 3] {
            let storage = MemoryLogStorage()
            storage.append([bootstrap])
            // Node 2 holds 50 uncommitted entries of term 2; nodes 1 and 3, 30 entries of term 3.
            let term: UInt64 = id == 2 ? 2 : 3
            let count: UInt64 = id == 2 ? 50 : 30
            storage.append((2...(count + 1)).map { Entry(term: term, index: $0, data: bytes("t\(term)-\($0)")) })
            cluster.nodes[id] = try TestNode(
                id: id, storage: storage, hardState: HardState(term: 3, vote: 0, commit: 1),
                options: RaftOptions(id: id))
        }
        try cluster.elect(1)
        let rejections = cluster.deliveredCount {
            if case .appendResponse(true, _, _, _) = $0.body { return $0.from == 2 }
            return false
        }
        #expect(rejections <= 2)
        #expect(try cluster[2].storedLog() == cluster[1].storedLog())
    }

    @Test func batchesRespectMaxEntriesPerMessage() throws {
        let cluster = try TestCluster([1, 2, 3], configure: { $0.maxEntriesPerMessage = 4 })
        try cluster.elect(1)
        try cluster[1].core.propose(batch: (0..<20).map { bytes("v\($0)") })
        try cluster.stabilize()
        let sizes = cluster.delivered.compactMap { message -> Int? in
            if case .appendEntries(_, _, let entries, _) = message.body { return entries.count }
            return nil
        }
        #expect(sizes.max() == 4)
        #expect(cluster[3].commands.count == 20)
    }

    @Test func batchesRespectMaxBytesPerMessage() throws {
        let cluster = try TestCluster([1, 2], configure: { $0.maxBytesPerMessage = 100 })
        try cluster.elect(1)
        try cluster[1].core.propose(batch: (0..<10).map { _ in [UInt8](repeating: 7, count: 40) })
        try cluster.stabilize()
        let sizes = cluster.delivered.compactMap { message -> Int? in
            if case .appendEntries(_, _, let entries, _) = message.body { return entries.count }
            return nil
        }
        #expect(sizes.max() == 2)
        #expect(cluster[2].commands.count == 10)
    }

    @Test func inflightWindowBoundsPipelining() throws {
        let cluster = try TestCluster(
            [1, 2],
            configure: {
                $0.maxEntriesPerMessage = 1
                $0.maxInflightMessages = 3
                $0.checkQuorum = false
            })
        try cluster.elect(1)
        // The follower receives but its answers are lost: the leader stops after three appends.
        cluster.cutLinks = [[2, 1]]
        let before = cluster.delivered.count
        for value in 0..<10 { try cluster[1].core.propose(bytes("v\(value)")) }
        try cluster.stabilize()
        let appends = cluster.delivered[before...].count {
            if case .appendEntries(_, _, let entries, _) = $0.body { return !entries.isEmpty }
            return false
        }
        #expect(appends == 3)
        #expect(cluster[1].core.status.progress[2]?.state == .replicate)
        cluster.cutLinks = []
        try cluster.tick(3)
        #expect(cluster[2].commands.count == 10)
    }

    @Test func leaderRecoversWhenEveryAppendInTheWindowWasLost() throws {
        let cluster = try TestCluster(
            [1, 2],
            configure: {
                $0.maxEntriesPerMessage = 1
                $0.maxInflightMessages = 2
                $0.checkQuorum = false
            })
        try cluster.elect(1)
        cluster.filter = { message in
            if case .appendEntries(_, _, let entries, _) = message.body { return entries.isEmpty }
            return true
        }
        for value in 0..<6 { try cluster[1].core.propose(bytes("v\(value)")) }
        try cluster.stabilize()
        #expect(cluster[2].commands.isEmpty)
        cluster.filter = { _ in true }
        try cluster.tick(10)
        #expect(cluster[2].commands.count == 6)
        #expect(cluster[1].core.status.progress[2]?.state == .replicate)
    }

    @Test func restartKeepsTermVoteLogAndCommit() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        for value in ["a", "b"] { try cluster[1].core.propose(bytes(value)) }
        try cluster.stabilize()
        let before = cluster[2].core.status
        try cluster[2].restart()
        let after = cluster[2].core.status
        #expect(after.term == before.term)
        #expect(after.vote == before.vote)
        #expect(after.lastIndex == before.lastIndex)
        #expect(after.commit == before.commit)
        #expect(after.role == .follower)
        #expect(after.configuration == before.configuration)
        // The applied index was passed back: nothing is handed out twice.
        #expect(!cluster[2].core.hasReady)
    }

    @Test func restartRedeliversCommittedEntriesAfterApplied() throws {
        let cluster = try TestCluster([1])
        try cluster.elect(1)
        try cluster[1].core.propose(bytes("a"))
        try cluster[1].core.propose(bytes("b"))
        try cluster.stabilize()
        let node = cluster[1]
        var options = node.options
        options.applied = 1
        node.core = try RaftCore(options: options, storage: node.storage, hardState: node.hardState)
        let ready = try node.core.ready()
        #expect(ready.committedEntries.map(\.index) == [2, 3, 4])
        #expect(ready.committedEntries.compactMap { $0.data.isEmpty ? nil : $0.data } == [bytes("a"), bytes("b")])
    }

    /// A vote and an acknowledgement leave in the same Ready as the hard state and entries they
    /// depend on, with `mustSync`: the driver persists before it sends.
    @Test func messagesTravelWithTheStateTheyDependOn() throws {
        let cluster = try TestCluster([1, 2, 3], configure: { $0.preVote = false })
        let node = cluster[2]
        _ = try node.drain()
        try node.core.step(
            Message(
                from: 1, to: 2, term: 2,
                body: .requestVote(lastLogIndex: 1, lastLogTerm: 1, preVote: false, leadershipTransfer: false)))
        var ready = try node.core.ready()
        #expect(ready.messages.first?.body == .voteResponse(granted: true, preVote: false))
        #expect(ready.hardState?.vote == 1 && ready.hardState?.term == 2)
        #expect(ready.mustSync)
        node.storage.append(ready.entries)
        try node.core.advance()
        try node.core.step(
            Message(
                from: 1, to: 2, term: 2,
                body: .appendEntries(
                    prevLogIndex: 1, prevLogTerm: 1, entries: [Entry(term: 2, index: 2, data: bytes("e"))], commit: 1)))
        ready = try node.core.ready()
        #expect(ready.entries.map(\.index) == [2])
        #expect(ready.messages.first?.body == .appendResponse(rejected: false, index: 2, hintIndex: 0, hintTerm: 0))
        #expect(ready.mustSync)
    }

    /// A leader counts its own copy only once it is durable.
    @Test func leaderCountsItselfOnlyAfterPersisting() throws {
        let cluster = try TestCluster([1])
        try cluster.elect(1)
        let node = cluster[1]
        let (index, _) = try node.core.propose(bytes("x"))
        let ready = try node.core.ready()
        #expect(ready.entries.map(\.index) == [index])
        #expect(node.core.status.commit < index)
        node.storage.append(ready.entries)
        try node.core.advance()
        #expect(node.core.status.commit == index)
    }

    @Test func stepsWhileAReadyIsOutstandingGoToTheNextReady() throws {
        let cluster = try TestCluster([1, 2])
        try cluster.elect(1)
        let follower = cluster[2]
        let term = cluster[1].core.currentTerm
        let append = { (leaderTerm: UInt64, index: UInt64, previousTerm: UInt64, value: String) in
            Message(
                from: 1, to: 2, term: leaderTerm,
                body: .appendEntries(
                    prevLogIndex: index - 1, prevLogTerm: previousTerm,
                    entries: [Entry(term: leaderTerm, index: index, data: bytes(value))], commit: 0))
        }
        let last = follower.core.status.lastIndex
        let lastTerm = try follower.core.log.term(at: last)
        try follower.core.step(append(term, last + 1, lastTerm, "a"))
        let first = try follower.core.ready()
        #expect(first.entries.map(\.index) == [last + 1])
        // A newer leader's conflicting entry at the same index arrives before the first Ready is
        // persisted.
        try follower.core.step(append(term + 1, last + 1, lastTerm, "b"))
        #expect(!follower.core.hasReady)
        follower.storage.append(first.entries)
        try follower.core.advance()
        let second = try follower.core.ready()
        #expect(second.entries.map(\.data) == [bytes("b")])
        follower.storage.append(second.entries)
        try follower.core.advance()
        #expect(try follower.storedLog().last?.data == bytes("b"))
    }
}
