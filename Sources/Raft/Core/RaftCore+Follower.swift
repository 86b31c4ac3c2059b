/// The follower's side: accepting or rejecting appends, heartbeats, snapshots from the leader.
extension RaftCore {
    /// Handles a message as follower.
    func stepFollower(_ message: Message) throws {
        switch message.body {
        case .appendEntries:
            electionElapsed = 0
            leader = message.from
            try handleAppendEntries(message)
        case .heartbeat:
            electionElapsed = 0
            leader = message.from
            handleHeartbeat(message)
        case .installSnapshot:
            electionElapsed = 0
            leader = message.from
            try handleSnapshot(message)
        case .timeoutNow:
            // The leader hands over leadership: campaign now, without pre-vote, and tell voters that
            // the leader asked, so that leader stickiness does not stop them.
            try hup(leadershipTransfer: true)
        case .readIndexResponse(let index, let context):
            pendingReadStates.append(ReadState(index: index, context: context))
        default:
            break
        }
    }

    /// Accepts the leader's entries if the log holds the entry they follow (replacing a conflicting
    /// suffix), else rejects with a hint for fast backtracking.
    func handleAppendEntries(_ message: Message) throws {
        guard case .appendEntries(let prevIndex, let prevTerm, let entries, let commit) = message.body else { return }
        // Entries must be consecutive after prevIndex, within the index ceiling, and no newer than
        // the leader's term.
        guard prevIndex <= RaftLog.maxIndex - UInt64(entries.count) else { return }
        for (offset, entry) in entries.enumerated() {
            guard entry.index == prevIndex + UInt64(offset) + 1, entry.term <= message.term else { return }
        }
        if prevIndex < log.committed {
            // Everything up to the commit index matches the leader's log already.
            send(to: message.from, .appendResponse(rejected: false, index: log.committed, hintIndex: 0, hintTerm: 0))
            return
        }
        switch try log.maybeAppend(prevIndex: prevIndex, prevTerm: prevTerm, commit: commit, entries: entries) {
        case .accepted(let lastNewIndex, let appendedFrom):
            if let appendedFrom {
                // A configuration entry takes effect when appended; a truncated one stops having effect.
                configurations.truncate(after: appendedFrom - 1)
                noteConfigurations(in: entries[Int(appendedFrom - prevIndex - 1)...])
                configurationChanged()
            }
            send(
                to: message.from, .appendResponse(rejected: false, index: lastNewIndex, hintIndex: 0, hintTerm: 0))
        case .mismatch:
            let hint = try log.findConflictByTerm(index: min(prevIndex, log.lastIndex), term: prevTerm)
            send(
                to: message.from,
                .appendResponse(rejected: true, index: prevIndex, hintIndex: hint.index, hintTerm: hint.term))
        case .conflictsWithCommitted:
            break
        }
    }

    /// Takes the leader's commit index from a heartbeat (the leader sends at most what we hold).
    func handleHeartbeat(_ message: Message) {
        guard case .heartbeat(let commit, let context) = message.body else { return }
        log.commitTo(commit)
        send(to: message.from, .heartbeatResponse(context: context))
    }

    /// Installs a complete snapshot from the leader unless the log already covers it.
    func handleSnapshot(_ message: Message) throws {
        guard case .installSnapshot(let chunk) = message.body, chunk.done else { return }
        let metadata = chunk.metadata
        guard metadata.index <= RaftLog.maxIndex else { return }
        if metadata.index <= log.committed {
            send(to: message.from, .appendResponse(rejected: false, index: log.committed, hintIndex: 0, hintTerm: 0))
            return
        }
        if try log.matchTerm(metadata.index, metadata.term) {
            // The log already holds the snapshot's last entry: only the commit index moves.
            log.commitTo(metadata.index)
            send(to: message.from, .appendResponse(rejected: false, index: log.committed, hintIndex: 0, hintTerm: 0))
            return
        }
        log.restore(metadata)
        configurations = ConfigurationHistory(base: metadata.configuration, at: metadata.index)
        configurationChanged()
        send(to: message.from, .appendResponse(rejected: false, index: log.lastIndex, hintIndex: 0, hintTerm: 0))
    }
}
