import Testing

@testable import Raft

/// Leader election: timeouts, votes, pre-vote, check-quorum and the term rules.
@Suite struct ElectionTests {
    @Test func threeNodesElectOneLeaderByTimeout() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.tick(30)
        #expect(cluster.leaders.count == 1)
        let leader = try #require(cluster.leaders.first)
        for node in cluster.nodes.values {
            #expect(node.core.currentLeader == leader)
            #expect(node.core.currentTerm == cluster[leader].core.currentTerm)
        }
    }

    @Test func singleNodeLeadsAndCommitsAlone() throws {
        let cluster = try TestCluster([1])
        try cluster.tick(25)
        #expect(cluster.leaders == [1])
        try cluster[1].core.propose(bytes("x"))
        try cluster.stabilize()
        #expect(cluster[1].commands == [bytes("x")])
    }

    @Test func candidateWithoutMajorityDoesNotLead() throws {
        let cluster = try TestCluster([1, 2, 3])
        cluster.isolated = [2, 3]
        try cluster.elect(1)
        #expect(cluster.leaders.isEmpty)
        // With pre-vote the failed campaign did not even raise the term.
        #expect(cluster[1].core.currentTerm == 1)
        #expect(cluster[1].core.currentRole == .preCandidate)
    }

    @Test func campaignWinsWithMajority() throws {
        let cluster = try TestCluster([1, 2, 3])
        cluster.isolated = [3]
        try cluster.elect(1)
        #expect(cluster.leaders == [1])
        #expect(cluster[1].core.currentTerm == 2)
        #expect(cluster[2].core.currentLeader == 1)
    }

    @Test func votesOncePerTerm() throws {
        let cluster = try TestCluster([1, 2, 3], configure: { $0.preVote = false })
        let node = cluster[2]
        let request = { (from: NodeID) in
            Message(
                from: from, to: 2, term: 5,
                body: .requestVote(lastLogIndex: 1, lastLogTerm: 1, preVote: false, leadershipTransfer: false))
        }
        try node.core.step(request(1))
        try node.core.step(request(3))
        let answers = try node.drain().compactMap { message -> (NodeID, Bool)? in
            if case .voteResponse(let granted, _) = message.body { return (message.to, granted) }
            return nil
        }
        #expect(answers.map(\.0) == [1, 3])
        #expect(answers.map(\.1) == [true, false])
        #expect(node.hardState.vote == 1)
        #expect(node.hardState.term == 5)
    }

    @Test func rejectsCandidateWithStaleLog() throws {
        let cluster = try TestCluster(
            [1, 2, 3],
            configure: {
                $0.preVote = false; $0.checkQuorum = false
            })
        try cluster.elect(1)
        try cluster[1].core.propose(bytes("a"))
        try cluster.stabilize()
        // Node 3 missed nothing, but a candidate claiming an older last entry must be refused.
        try cluster[3].core.step(
            Message(
                from: 2, to: 3, term: 9,
                body: .requestVote(lastLogIndex: 2, lastLogTerm: 2, preVote: false, leadershipTransfer: false)))
        let answer = try cluster[3].drain().first { if case .voteResponse = $0.body { true } else { false } }
        #expect(answer?.body == .voteResponse(granted: false, preVote: false))
        #expect(cluster[3].core.currentTerm == 9)
    }

    @Test func preVoteKeepsAnIsolatedNodeFromDisruptingTheLeader() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        let term = cluster[1].core.currentTerm
        cluster.isolated = [3]
        try cluster.tick(100)
        #expect(cluster[3].core.currentTerm == term)
        cluster.isolated = []
        try cluster.tick(5)
        #expect(cluster.leaders == [1])
        #expect(cluster[1].core.currentTerm == term)
    }

    @Test func withoutPreVoteAnIsolatedNodeRaisesItsTerm() throws {
        let cluster = try TestCluster(
            [1, 2, 3],
            configure: {
                $0.preVote = false; $0.checkQuorum = false
            })
        try cluster.elect(1)
        let term = cluster[1].core.currentTerm
        cluster.isolated = [3]
        try cluster.tick(100)
        #expect(cluster[3].core.currentTerm > term + 3)
        cluster.isolated = []
        try cluster.tick(40)
        // The returning node's higher term forced a new election.
        #expect(cluster[1].core.currentTerm > term)
    }

    @Test func checkQuorumMakesAnIsolatedLeaderStepDown() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        cluster.isolated = [1]
        try cluster.tick(25, only: [1])
        #expect(cluster[1].core.currentRole == .follower)
        #expect(cluster[1].core.currentLeader == 0)
    }

    @Test func leaderWithoutCheckQuorumStaysLeaderAlone() throws {
        let cluster = try TestCluster([1, 2, 3], configure: { $0.checkQuorum = false })
        try cluster.elect(1)
        cluster.isolated = [1]
        try cluster.tick(50, only: [1])
        #expect(cluster[1].core.currentRole == .leader)
    }

    @Test func followersWithALiveLeaderIgnoreVoteRequests() throws {
        let cluster = try TestCluster([1, 2, 3], configure: { $0.preVote = false })
        try cluster.elect(1)
        let term = cluster[1].core.currentTerm
        // Node 3 campaigns at a higher term while 2 still hears from leader 1: 2 ignores it.
        try cluster[2].core.step(
            Message(
                from: 3, to: 2, term: term + 1,
                body: .requestVote(lastLogIndex: 99, lastLogTerm: 99, preVote: false, leadershipTransfer: false)))
        #expect(cluster[2].core.currentTerm == term)
        #expect(try cluster[2].drain().isEmpty)
        // Unless the leader asked for the election (leadership transfer).
        try cluster[2].core.step(
            Message(
                from: 3, to: 2, term: term + 1,
                body: .requestVote(lastLogIndex: 99, lastLogTerm: 99, preVote: false, leadershipTransfer: true)))
        #expect(cluster[2].core.currentTerm == term + 1)
        #expect(cluster[2].hardState.vote == 3 || cluster[2].core.status.vote == 3)
    }

    @Test func higherTermAppendMakesALeaderFollow() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        let term = cluster[1].core.currentTerm
        try cluster[1].core.step(
            Message(from: 2, to: 1, term: term + 3, body: .heartbeat(commit: 0, context: [])))
        #expect(cluster[1].core.currentRole == .follower)
        #expect(cluster[1].core.currentTerm == term + 3)
        #expect(cluster[1].core.currentLeader == 2)
    }

    @Test func staleLeaderLearnsTheNewTermFromAnAnswer() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        cluster.isolated = [1]
        try cluster.tick(60, only: [2, 3])
        let newLeader = try #require(cluster.leaders.first { $0 != 1 })
        #expect(cluster[1].core.currentRole == .leader)
        cluster.isolated = []
        try cluster.tick(2, only: [1])
        #expect(cluster[1].core.currentRole == .follower)
        #expect(cluster[1].core.currentTerm == cluster[newLeader].core.currentTerm)
    }

    @Test func learnersNeverCampaign() throws {
        let cluster = try TestCluster([1])
        try cluster.elect(1)
        try cluster.addJoiner(2)
        try cluster[1].core.proposeConfigurationChange(.addLearner(Member(id: 2, address: "n2")))
        try cluster.stabilize()
        #expect(cluster[2].core.configuration.learners == [2])
        cluster.isolated = [1]
        try cluster.tick(100, only: [2])
        #expect(cluster[2].core.currentRole == .follower)
    }
}
