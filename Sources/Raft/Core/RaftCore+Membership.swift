/// Membership changes, one server at a time (thesis §4.1): a configuration takes effect as soon as
/// its entry is appended, and a leader accepts a new change only once the previous one is committed.
extension RaftCore {
    /// Proposes a membership change: add a learner, add a voter (or promote a learner), remove a
    /// server. The leader appends an entry carrying the resulting configuration, which rules from then
    /// on (quorums included) on every server that appends it. A leader that removes itself keeps
    /// leading until the change is committed, without counting itself, then steps down.
    ///
    /// - Returns: the entry's index and term.
    /// - Throws: ``RaftError/notLeader(leader:)``, ``RaftError/leadershipTransferInProgress``,
    ///   ``RaftError/configurationChangeInProgress`` (the previous change is not yet committed, or
    ///   this new leader has not yet committed an entry of its term), or
    ///   ``RaftError/invalidConfigurationChange(_:)``.
    @discardableResult
    public func proposeConfigurationChange(_ change: ConfigurationChange) throws -> (index: UInt64, term: UInt64) {
        try checkCanPropose()
        // Until the leader commits an entry of its own term, an uncommitted change of an earlier
        // leader may still be in some logs; a second change could then form a disjoint majority.
        guard configurations.latestIndex <= log.committed, try log.termIfPresent(at: log.committed) == term else {
            throw RaftError.configurationChangeInProgress
        }
        let current = configurations.latest
        var members = current.members
        switch change {
        case .addLearner(let member):
            guard member.id != 0 else { throw RaftError.invalidConfigurationChange("node id 0 is reserved") }
            guard current.member(member.id) == nil else {
                throw RaftError.invalidConfigurationChange("\(member.id) is already a member")
            }
            members.append(Member(id: member.id, address: member.address, role: .learner))
        case .addVoter(let member):
            guard member.id != 0 else { throw RaftError.invalidConfigurationChange("node id 0 is reserved") }
            guard !current.isVoter(member.id) else {
                throw RaftError.invalidConfigurationChange("\(member.id) is already a voter")
            }
            members.removeAll { $0.id == member.id }
            members.append(Member(id: member.id, address: member.address, role: .voter))
        case .remove(let removed):
            guard current.member(removed) != nil else {
                throw RaftError.invalidConfigurationChange("\(removed) is not a member")
            }
            members.removeAll { $0.id == removed }
            guard members.contains(where: { $0.role == .voter }) else {
                throw RaftError.invalidConfigurationChange("removing \(removed) would leave no voter")
            }
        }
        let next = Configuration(members: members)
        let index = log.lastIndex + 1
        let payload = ConfigurationEntry(change: change, configuration: next).encoded()
        try appendAsLeader([Entry(term: term, index: index, kind: .configurationChange, data: payload)])
        return (index, term)
    }

    /// Records the configurations that `entries` (just appended) set, and reacts to the change.
    func noteConfigurations(in entries: some Collection<Entry>) {
        var changed = false
        for entry in entries where entry.kind == .configurationChange {
            // An undecodable payload cannot come from a correct leader; it changes nothing.
            guard let decoded = try? ConfigurationEntry(decoding: entry.data) else { continue }
            configurations.append(decoded.configuration, at: entry.index)
            changed = true
        }
        if changed {
            configurations.prune(through: log.firstIndex - 1)
            configurationChanged()
        }
    }

    /// Brings the leader's bookkeeping in line with the latest configuration: progress for new
    /// members, none for removed ones, no transfer to a non-voter.
    func configurationChanged() {
        guard role == .leader else { return }
        let latest = configurations.latest
        let next = log.lastIndex + 1
        for member in latest.members where progress[member.id] == nil {
            progress[member.id] = makeProgress(next: next)
        }
        for peer in progress.keys where peer != id && latest.member(peer) == nil {
            progress[peer] = nil
        }
        if leadTransferee != 0 && !latest.isVoter(leadTransferee) { leadTransferee = 0 }
    }
}
