import Testing

@testable import Raft

/// Log compaction and InstallSnapshot: a follower behind the compacted log catches up through a
/// snapshot; stale and redundant snapshots change nothing they should not.
@Suite struct SnapshotTests {
    @Test func followerBehindTheCompactedLogCatchesUpThroughASnapshot() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        cluster.isolated = [3]
        for value in 0..<20 { try cluster[1].core.propose(bytes("v\(value)")) }
        try cluster.stabilize()
        try cluster.compact(1)
        let snapshotIndex = try #require(cluster[1].storage.snapshotMetadata?.index)
        #expect(cluster[1].storage.firstIndex == snapshotIndex + 1)
        cluster.isolated = []
        try cluster[1].core.propose(bytes("after"))
        try cluster.tick(3)
        #expect(cluster[3].installedSnapshots.map(\.index) == [snapshotIndex])
        #expect(cluster[3].storage.firstIndex == snapshotIndex + 1)
        #expect(cluster[3].core.status.commit == cluster[1].core.status.commit)
        // Entries after the snapshot come from the log.
        #expect(cluster[3].commands == [bytes("after")])
        #expect(cluster[1].core.status.progress[3]?.state == .replicate)
    }

    @Test func snapshotCarriesTheConfigurationAtItsIndex() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        try cluster[1].core.proposeConfigurationChange(.remove(3))
        try cluster.stabilize()
        let removalIndex = cluster[1].core.status.configurationIndex
        let before = try cluster[1].core.snapshotMetadata(at: removalIndex - 1)
        let at = try cluster[1].core.snapshotMetadata(at: removalIndex)
        #expect(before.configuration.voters == [1, 2, 3])
        #expect(at.configuration.voters == [1, 2])
        #expect(at.term == cluster[1].core.currentTerm)
        #expect(throws: RaftError.self) { try cluster[1].core.snapshotMetadata(at: removalIndex + 10) }
    }

    @Test func joinerGetsTheConfigurationFromTheSnapshot() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        for value in 0..<5 { try cluster[1].core.propose(bytes("v\(value)")) }
        try cluster.stabilize()
        try cluster.addJoiner(4)
        try cluster[1].core.proposeConfigurationChange(.addLearner(Member(id: 4, address: "n4")))
        cluster.isolated = [4]
        try cluster.stabilize()
        try cluster.compact(1)
        cluster.isolated = []
        try cluster.tick(3)
        #expect(cluster[4].installedSnapshots.count == 1)
        #expect(cluster[4].core.configuration.learners == [4])
        #expect(cluster[4].core.status.commit == cluster[1].core.status.commit)
    }

    @Test func snapshotAtOrBelowTheCommitIndexIsIgnored() throws {
        let cluster = try TestCluster([1, 2])
        try cluster.elect(1)
        for value in 0..<5 { try cluster[1].core.propose(bytes("v\(value)")) }
        try cluster.stabilize()
        let follower = cluster[2]
        let commit = follower.core.status.commit
        let metadata = SnapshotMetadata(
            index: commit - 2, term: cluster[1].core.currentTerm, configuration: follower.core.configuration)
        try follower.core.step(
            Message(
                from: 1, to: 2, term: cluster[1].core.currentTerm,
                body: .installSnapshot(SnapshotChunk(metadata: metadata))))
        let ready = try follower.core.ready()
        #expect(ready.snapshot == nil)
        #expect(
            ready.messages.first?.body == .appendResponse(rejected: false, index: commit, hintIndex: 0, hintTerm: 0))
    }

    @Test func snapshotOfEntriesTheLogHoldsOnlyAdvancesTheCommit() throws {
        let cluster = try TestCluster([1, 2])
        try cluster.elect(1)
        let follower = cluster[2]
        let term = cluster[1].core.currentTerm
        let first = follower.core.status.lastIndex + 1
        let commit = follower.core.status.commit
        // Entries arrive, but not yet the commit index that covers them.
        try follower.core.step(
            Message(
                from: 1, to: 2, term: term,
                body: .appendEntries(
                    prevLogIndex: first - 1, prevLogTerm: term,
                    entries: (first..<(first + 5)).map { Entry(term: term, index: $0, data: bytes("e\($0)")) },
                    commit: commit)))
        _ = try follower.drain()
        let last = follower.core.status.lastIndex
        #expect(follower.core.status.commit == commit)
        let metadata = SnapshotMetadata(index: last, term: term, configuration: follower.core.configuration)
        try follower.core.step(
            Message(from: 1, to: 2, term: term, body: .installSnapshot(SnapshotChunk(metadata: metadata))))
        let ready = try follower.core.ready()
        #expect(ready.snapshot == nil)
        #expect(ready.hardState?.commit == last)
        #expect(ready.committedEntries.map(\.index) == Array(first...last))
        #expect(follower.core.status.firstIndex == 1)
    }

    @Test func incompleteChunkIsIgnoredByTheCore() throws {
        let cluster = try TestCluster([1, 2])
        try cluster.elect(1)
        let follower = cluster[2]
        let metadata = SnapshotMetadata(index: 100, term: 2, configuration: follower.core.configuration)
        try follower.core.step(
            Message(
                from: 1, to: 2, term: cluster[1].core.currentTerm,
                body: .installSnapshot(SnapshotChunk(metadata: metadata, offset: 0, data: [1, 2, 3], done: false))))
        #expect(try follower.drain().isEmpty)
        #expect(follower.core.status.commit < 100)
    }

    @Test func failedSnapshotIsSentAgain() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        cluster.isolated = [3]
        for value in 0..<10 { try cluster[1].core.propose(bytes("v\(value)")) }
        try cluster.stabilize()
        try cluster.compact(1)
        cluster.isolated = []
        // The first snapshot "fails in the transport".
        var failures = 0
        cluster.filter = { message in
            if case .installSnapshot = message.body, failures == 0 {
                failures += 1
                return false
            }
            return true
        }
        try cluster.tick(1, only: [1])
        #expect(cluster[1].core.status.progress[3]?.state == .snapshot)
        cluster[1].core.reportSnapshotStatus(3, succeeded: false)
        #expect(cluster[1].core.status.progress[3]?.state == .probe)
        try cluster.tick(3)
        #expect(cluster[3].installedSnapshots.count == 1)
        #expect(cluster[3].core.status.commit == cluster[1].core.status.commit)
    }

    @Test func restartFromASnapshotAndTheEntriesAfterIt() throws {
        let cluster = try TestCluster([1])
        try cluster.elect(1)
        for value in 0..<6 { try cluster[1].core.propose(bytes("v\(value)")) }
        try cluster.stabilize()
        try cluster.compact(1)
        try cluster[1].core.propose(bytes("tail"))
        try cluster.stabilize()
        let node = cluster[1]
        var options = node.options
        options.applied = node.storage.snapshotMetadata?.index ?? 0
        node.core = try RaftCore(options: options, storage: node.storage, hardState: node.hardState)
        #expect(node.core.status.firstIndex == options.applied + 1)
        let ready = try node.core.ready()
        #expect(ready.committedEntries.map(\.data) == [bytes("tail")])
        #expect(node.core.configuration.voters == [1])
    }
}
