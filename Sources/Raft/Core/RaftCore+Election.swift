/// Terms, roles and elections: the term rules every message passes through, pre-vote, voting, and the
/// transitions between follower, (pre-)candidate and leader.
extension RaftCore {
    /// Applies the term rules to an incoming message; returns whether the message should be handled.
    ///
    /// A higher term makes this server a follower of that term, except for a pre-vote request (which
    /// changes nothing unless granted) and a granted pre-vote (which carries the future term). With
    /// check-quorum, a server that hears from a live leader ignores vote requests of a higher term
    /// (leader stickiness) unless the leader itself asked for the election. A lower term is ignored,
    /// but a stale leader's append or heartbeat is answered so that it learns the newer term.
    func handleTerm(of message: Message) throws -> Bool {
        if message.term > term {
            switch message.body {
            case .requestVote(_, _, let preVote, let leadershipTransfer):
                let inLease = options.checkQuorum && leader != 0 && electionElapsed < options.electionTicks
                if inLease && !leadershipTransfer { return false }
                if !preVote { becomeFollower(term: message.term, leader: 0) }
            case .voteResponse(let granted, let preVote) where granted && preVote:
                break
            case .appendEntries, .heartbeat, .installSnapshot:
                becomeFollower(term: message.term, leader: message.from)
            default:
                becomeFollower(term: message.term, leader: 0)
            }
            return true
        }
        if message.term < term {
            switch message.body {
            case .appendEntries, .heartbeat:
                // Without this answer a leader cut off by a partition would never learn it was replaced
                // while we ignore its messages (pre-vote keeps our term from reaching it otherwise).
                if options.checkQuorum || options.preVote {
                    send(to: message.from, .appendResponse(rejected: true, index: 0, hintIndex: 0, hintTerm: 0))
                }
            case .requestVote(_, _, true, _):
                send(to: message.from, .voteResponse(granted: false, preVote: true))
            default:
                break
            }
            return false
        }
        return true
    }

    /// Answers a (pre-)vote request of a term at least ours.
    func handleVoteRequest(_ message: Message, lastLogIndex: UInt64, lastLogTerm: UInt64, preVote: Bool) throws {
        let canVote =
            vote == message.from
            || (vote == 0 && leader == 0)
            || (preVote && message.term > term)
        if canVote, try log.isUpToDate(lastIndex: lastLogIndex, lastTerm: lastLogTerm) {
            // A grant carries the request's term: a pre-candidate counts only grants for its future term.
            send(to: message.from, term: message.term, .voteResponse(granted: true, preVote: preVote))
            if !preVote {
                electionElapsed = 0
                vote = message.from
            }
        } else {
            send(to: message.from, .voteResponse(granted: false, preVote: preVote))
        }
    }

    /// Handles a message as a candidate or pre-candidate.
    func stepCandidate(_ message: Message) throws {
        switch message.body {
        case .appendEntries:
            becomeFollower(term: message.term, leader: message.from)
            try handleAppendEntries(message)
        case .heartbeat:
            becomeFollower(term: message.term, leader: message.from)
            handleHeartbeat(message)
        case .installSnapshot:
            becomeFollower(term: message.term, leader: message.from)
            try handleSnapshot(message)
        case .voteResponse(let granted, let preVote):
            guard preVote == (role == .preCandidate) else { return }
            votes[message.from] = granted
            switch tally() {
            case .won:
                if role == .preCandidate {
                    try startElection(preVote: false, leadershipTransfer: false)
                } else {
                    try becomeLeader()
                }
            case .lost:
                becomeFollower(term: term, leader: 0)
            case .pending:
                break
            }
        default:
            break
        }
    }

    /// The state of an election.
    enum ElectionOutcome {
        case won, lost, pending
    }

    /// Counts the votes of the current configuration's voters.
    func tally() -> ElectionOutcome {
        let voters = configurations.latest.voters
        let quorum = RaftCore.quorum(of: voters)
        var granted = 0
        var rejected = 0
        for voter in voters {
            switch votes[voter] {
            case true?: granted += 1
            case false?: rejected += 1
            case nil: break
            }
        }
        if granted >= quorum { return .won }
        if voters.count - rejected < quorum { return .lost }
        return .pending
    }

    /// Counts a follower's or candidate's tick; campaigns when the election timeout elapses.
    func tickElection() throws {
        electionElapsed += 1
        if isPromotable && electionElapsed >= randomizedElectionTimeout {
            electionElapsed = 0
            try hup(leadershipTransfer: false)
        }
    }

    /// Starts an election: with pre-vote first unless the leader asked for it.
    func hup(leadershipTransfer: Bool) throws {
        // At the last representable term no further election can be numbered (only hostile input
        // gets there).
        guard role != .leader, isPromotable, term < UInt64.max else { return }
        try startElection(preVote: options.preVote && !leadershipTransfer, leadershipTransfer: leadershipTransfer)
    }

    /// Becomes (pre-)candidate and asks every voter for its vote.
    func startElection(preVote: Bool, leadershipTransfer: Bool) throws {
        let electionTerm: UInt64
        if preVote {
            becomePreCandidate()
            electionTerm = term + 1
        } else {
            becomeCandidate()
            electionTerm = term
        }
        votes[id] = true
        if tally() == .won {
            // A single voter wins at once.
            if preVote {
                try startElection(preVote: false, leadershipTransfer: leadershipTransfer)
            } else {
                try becomeLeader()
            }
            return
        }
        let lastIndex = log.lastIndex
        let lastTerm = try log.lastTerm()
        for voter in configurations.latest.voters where voter != id {
            send(
                to: voter, term: electionTerm,
                .requestVote(
                    lastLogIndex: lastIndex, lastLogTerm: lastTerm, preVote: preVote,
                    leadershipTransfer: leadershipTransfer))
        }
    }

    /// Resets the per-term state; a new term also clears the vote.
    func reset(term newTerm: UInt64) {
        if newTerm != term {
            term = newTerm
            vote = 0
        }
        leader = 0
        electionElapsed = 0
        heartbeatElapsed = 0
        randomizedElectionTimeout = options.electionTicks + Int(random.next() % UInt64(options.electionTicks))
        leadTransferee = 0
        votes = [:]
        progress = [:]
        readIndexQueue.reset()
        deferredReadRequests = []
    }

    /// Becomes a follower of `newTerm`, following `newLeader` (0 if unknown).
    func becomeFollower(term newTerm: UInt64, leader newLeader: NodeID) {
        reset(term: newTerm)
        role = .follower
        leader = newLeader
    }

    /// Becomes a pre-candidate: neither the term nor the vote changes.
    func becomePreCandidate() {
        votes = [:]
        leader = 0
        role = .preCandidate
    }

    /// Becomes a candidate of the next term, voting for itself.
    func becomeCandidate() {
        reset(term: term + 1)
        vote = id
        role = .candidate
    }

    /// Becomes leader: every member is probed from the end of the log, and a no-op entry of the new
    /// term is appended, since only entries of its own term can be committed by counting replicas.
    func becomeLeader() throws {
        reset(term: term)
        role = .leader
        leader = id
        let next = log.lastIndex + 1
        for member in configurations.latest.members {
            progress[member.id] = makeProgress(next: next)
            // Each follower must answer within the first check-quorum period.
            progress[member.id]?.recentActive = false
        }
        if progress[id] == nil { progress[id] = makeProgress(next: next) }
        progress[id]?.match = stableLastIndex
        progress[id]?.becomeReplicate()
        progress[id]?.recentActive = true
        try appendAsLeader([Entry(term: term, index: next, kind: .normal, data: [])])
    }

    /// A fresh progress record.
    func makeProgress(next: UInt64) -> Progress {
        let entry = Progress(
            next: next, maxInflight: options.maxInflightMessages, maxInflightBytes: options.maxInflightBytes)
        // A member is presumed reachable until a check-quorum round says otherwise.
        entry.recentActive = true
        return entry
    }
}
