import Testing

@testable import Raft

/// Linearizable reads through ReadIndex: the leader confirms its leadership with a heartbeat round.
@Suite struct ReadIndexTests {
    @Test func leaderAnswersOnceAQuorumConfirmsItsLeadership() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        try cluster[1].core.propose(bytes("x"))
        try cluster.stabilize()
        let commit = cluster[1].core.status.commit
        // No follower answers: no read state.
        cluster.isolated = [2, 3]
        try cluster[1].core.readIndex(context: bytes("r1"))
        try cluster.stabilize()
        #expect(cluster[1].readStates.isEmpty)
        // One follower answers the next heartbeat: with the leader, a quorum.
        cluster.isolated = [3]
        try cluster.tick(1, only: [1])
        #expect(cluster[1].readStates == [ReadState(index: commit, context: bytes("r1"))])
    }

    @Test func followerForwardsToTheLeader() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        try cluster[1].core.propose(bytes("x"))
        try cluster.stabilize()
        try cluster[3].core.readIndex(context: bytes("from-3"))
        try cluster.stabilize()
        #expect(cluster[3].readStates == [ReadState(index: cluster[1].core.status.commit, context: bytes("from-3"))])
        #expect(cluster[1].readStates.isEmpty)
    }

    @Test func laterHeartbeatAcknowledgesEarlierRequests() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        cluster.isolated = [2, 3]
        try cluster[1].core.readIndex(context: bytes("a"))
        try cluster[1].core.readIndex(context: bytes("b"))
        try cluster.stabilize()
        cluster.isolated = []
        try cluster.tick(1, only: [1])
        #expect(cluster[1].readStates.map(\.context) == [bytes("a"), bytes("b")])
    }

    @Test func newLeaderDefersReadsUntilItCommitsInItsTerm() throws {
        let cluster = try TestCluster([1, 2, 3])
        // Appends are lost: the new leader cannot commit its no-op.
        cluster.filter = { if case .appendEntries = $0.body { false } else { true } }
        try cluster.elect(1)
        #expect(cluster.leaders == [1])
        try cluster[1].core.readIndex(context: bytes("early"))
        try cluster.tick(2, only: [1])
        #expect(cluster[1].readStates.isEmpty)
        cluster.filter = { _ in true }
        try cluster.tick(2, only: [1])
        #expect(cluster[1].readStates.map(\.context) == [bytes("early")])
        #expect(cluster[1].readStates.first?.index == cluster[1].core.status.commit)
    }

    @Test func deposedLeaderNeverAnswers() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        cluster.isolated = [1]
        try cluster[1].core.readIndex(context: bytes("stale"))
        try cluster.tick(30, only: [2, 3])
        cluster.isolated = []
        try cluster.tick(3)
        #expect(cluster[1].readStates.isEmpty)
        #expect(cluster[1].core.currentRole == .follower)
    }

    @Test func loneVoterAnswersAtOnce() throws {
        let cluster = try TestCluster([1])
        try cluster.elect(1)
        try cluster[1].core.readIndex(context: bytes("solo"))
        try cluster.stabilize()
        #expect(cluster[1].readStates.map(\.context) == [bytes("solo")])
    }

    @Test func withoutALeaderReadIndexThrows() throws {
        let cluster = try TestCluster([1, 2, 3])
        #expect(throws: RaftError.notLeader(leader: 0)) { try cluster[2].core.readIndex(context: bytes("r")) }
        #expect(throws: RaftError.self) { try cluster[2].core.readIndex(context: []) }
    }
}
