import Testing

@testable import Raft

/// Leadership transfer: the leader brings the target up to date, then sends TimeoutNow.
@Suite struct TransferTests {
    @Test func upToDateTargetTakesOverAtOnce() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        try cluster[1].core.transferLeadership(to: 3)
        try cluster.stabilize()
        #expect(cluster.leaders == [3])
        #expect(cluster[1].core.currentLeader == 3)
    }

    @Test func laggingTargetCatchesUpFirst() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        cluster.isolated = [3]
        for value in 0..<5 { try cluster[1].core.propose(bytes("v\(value)")) }
        try cluster.stabilize()
        cluster.isolated = []
        try cluster[1].core.transferLeadership(to: 3)
        try cluster.stabilize()
        #expect(cluster.leaders == [3])
        #expect(cluster[3].commands.count == 5)
    }

    @Test func proposalsAreRefusedDuringATransfer() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        cluster.isolated = [3]
        try cluster[1].core.transferLeadership(to: 3)
        #expect(throws: RaftError.leadershipTransferInProgress) { try cluster[1].core.propose(bytes("x")) }
    }

    @Test func transferIsAbandonedAfterAnElectionTimeout() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        cluster.isolated = [3]
        try cluster[1].core.transferLeadership(to: 3)
        try cluster.tick(12, only: [1, 2])
        #expect(cluster.leaders == [1])
        #expect(cluster[1].core.status.leadershipTransferee == 0)
        try cluster[1].core.propose(bytes("after"))
    }

    @Test func transferToANonVoterOrFromAFollowerThrows() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        #expect(throws: RaftError.self) { try cluster[1].core.transferLeadership(to: 9) }
        #expect(throws: RaftError.notLeader(leader: 1)) { try cluster[2].core.transferLeadership(to: 3) }
    }

    @Test func targetCampaignsThroughLeaderStickiness() throws {
        // With check-quorum, followers that hear from the leader ignore elections, but not one the
        // leader asked for.
        let cluster = try TestCluster(
            [1, 2, 3],
            configure: {
                $0.checkQuorum = true; $0.preVote = true
            })
        try cluster.elect(1)
        let term = cluster[1].core.currentTerm
        try cluster[1].core.transferLeadership(to: 2)
        try cluster.stabilize()
        #expect(cluster.leaders == [2])
        #expect(cluster[2].core.currentTerm == term + 1)
    }
}
