import Testing

@testable import Raft

/// Single-server membership changes: learners, promotion, removal, one change at a time, effect on
/// append, rollback on truncation.
@Suite struct MembershipTests {
    @Test func learnerReceivesTheLogWithoutVotingThenIsPromoted() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        try cluster[1].core.propose(bytes("before"))
        try cluster.stabilize()
        try cluster.addJoiner(4)
        try cluster[1].core.proposeConfigurationChange(.addLearner(Member(id: 4, address: "n4")))
        try cluster.stabilize()
        #expect(cluster[4].commands == [bytes("before")])
        #expect(cluster[4].core.configuration.learners == [4])
        #expect(cluster[1].core.configuration.voters == [1, 2, 3])
        // A learner's acknowledgement does not count: with 2 and 3 cut off nothing commits.
        cluster.isolated = [2, 3]
        let (index, _) = try cluster[1].core.propose(bytes("needs-quorum"))
        try cluster.stabilize()
        #expect(cluster[1].core.status.commit < index)
        cluster.isolated = []
        try cluster.tick(2)
        try cluster[1].core.proposeConfigurationChange(.addVoter(Member(id: 4, address: "n4")))
        try cluster.stabilize()
        #expect(cluster[1].core.configuration.voters == [1, 2, 3, 4])
        #expect(cluster[4].core.configuration.voters == [1, 2, 3, 4])
        // Now four voters: a quorum is three.
        cluster.isolated = [2, 3]
        let (next, _) = try cluster[1].core.propose(bytes("three-of-four"))
        try cluster.stabilize()
        #expect(cluster[1].core.status.commit < next)
    }

    @Test func configurationTakesEffectWhenAppendedAndOneChangeAtATime() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        cluster.isolated = [2, 3]
        try cluster.addJoiner(4)
        try cluster[1].core.proposeConfigurationChange(.addLearner(Member(id: 4, address: "n4")))
        #expect(cluster[1].core.configuration.learners == [4])
        #expect(throws: RaftError.configurationChangeInProgress) {
            try cluster[1].core.proposeConfigurationChange(.remove(3))
        }
        cluster.isolated = []
        try cluster.tick(2)
        try cluster[1].core.proposeConfigurationChange(.remove(3))
        try cluster.stabilize()
        #expect(cluster[1].core.configuration.voters == [1, 2])
    }

    @Test func newLeaderMustCommitInItsTermBeforeAChange() throws {
        let cluster = try TestCluster([1, 2, 3])
        cluster.filter = { if case .appendEntries = $0.body { false } else { true } }
        try cluster.elect(1)
        #expect(throws: RaftError.configurationChangeInProgress) {
            try cluster[1].core.proposeConfigurationChange(.remove(3))
        }
    }

    @Test func removedLeaderStepsDownOnceTheChangeCommits() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        try cluster[1].core.proposeConfigurationChange(.remove(1))
        // In force at once: the leader no longer counts itself, and refuses proposals.
        #expect(cluster[1].core.configuration.voters == [2, 3])
        #expect(throws: RaftError.self) { try cluster[1].core.propose(bytes("x")) }
        try cluster.stabilize()
        #expect(cluster[1].core.currentRole == .follower)
        try cluster.tick(80)
        let leader = try #require(cluster.leaders.first)
        #expect(leader != 1)
        try cluster[leader].core.propose(bytes("after"))
        try cluster.stabilize()
        #expect(cluster[2].commands == [bytes("after")])
        #expect(cluster[3].commands == [bytes("after")])
        // The removed server never campaigns.
        #expect(cluster[1].core.currentRole == .follower)
    }

    @Test func removingADeadFollowerShrinksTheQuorum() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        cluster.isolated = [3]
        try cluster[1].core.proposeConfigurationChange(.remove(3))
        try cluster.stabilize()
        #expect(cluster[1].core.configuration.voters == [1, 2])
        cluster.isolated = [3, 2]
        let (index, _) = try cluster[1].core.propose(bytes("needs-2"))
        try cluster.stabilize()
        #expect(cluster[1].core.status.commit < index)
    }

    @Test func truncatedConfigurationEntryIsRolledBack() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        let follower = cluster[2]
        let term = cluster[1].core.currentTerm
        let last = follower.core.status.lastIndex
        let change = ConfigurationEntry(
            change: .remove(3),
            configuration: Configuration(members: [1, 2].map { Member(id: $0, address: "n\($0)") }))
        try follower.core.step(
            Message(
                from: 1, to: 2, term: term,
                body: .appendEntries(
                    prevLogIndex: last, prevLogTerm: term,
                    entries: [Entry(term: term, index: last + 1, kind: .configurationChange, data: change.encoded())],
                    commit: last)))
        _ = try follower.drain()
        #expect(follower.core.configuration.voters == [1, 2])
        // A leader of the next term replaces that uncommitted entry.
        try follower.core.step(
            Message(
                from: 3, to: 2, term: term + 1,
                body: .appendEntries(
                    prevLogIndex: last, prevLogTerm: term,
                    entries: [Entry(term: term + 1, index: last + 1, data: [])], commit: last)))
        _ = try follower.drain()
        #expect(follower.core.configuration.voters == [1, 2, 3])
    }

    @Test func invalidChangesAreRejected() throws {
        let cluster = try TestCluster([1, 2])
        try cluster.elect(1)
        try cluster.stabilize()
        #expect(throws: RaftError.self) {
            try cluster[1].core.proposeConfigurationChange(.addVoter(Member(id: 2, address: "n2")))
        }
        #expect(throws: RaftError.self) {
            try cluster[1].core.proposeConfigurationChange(.addLearner(Member(id: 1, address: "n1")))
        }
        #expect(throws: RaftError.self) { try cluster[1].core.proposeConfigurationChange(.remove(7)) }
        #expect(throws: RaftError.self) {
            try cluster[1].core.proposeConfigurationChange(.addLearner(Member(id: 0, address: "zero")))
        }
        #expect(throws: RaftError.notLeader(leader: 1)) {
            try cluster[2].core.proposeConfigurationChange(.remove(1))
        }
    }

    @Test func lastVoterCannotBeRemoved() throws {
        let cluster = try TestCluster([1])
        try cluster.elect(1)
        try cluster.stabilize()
        #expect(throws: RaftError.self) { try cluster[1].core.proposeConfigurationChange(.remove(1)) }
    }

    @Test func restartRecoversTheConfigurationFromTheLog() throws {
        let cluster = try TestCluster([1, 2, 3])
        try cluster.elect(1)
        try cluster[1].core.proposeConfigurationChange(.remove(3))
        try cluster.stabilize()
        try cluster[2].restart()
        #expect(cluster[2].core.configuration.voters == [1, 2])
    }
}
