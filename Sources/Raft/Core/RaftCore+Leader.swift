/// The leader's side of replication: appends, heartbeats, flow control, snapshots for followers that
/// fell behind the log, commitment, and check-quorum.
extension RaftCore {
    /// Counts a leader's tick: heartbeats every `heartbeatTicks`; every `electionTicks`, steps down
    /// without a quorum of recent contact (check-quorum) and abandons an unfinished transfer.
    func tickLeader() throws {
        heartbeatElapsed += 1
        electionElapsed += 1
        if electionElapsed >= options.electionTicks {
            electionElapsed = 0
            if options.checkQuorum {
                guard hasActiveQuorum() else {
                    becomeFollower(term: term, leader: 0)
                    return
                }
                for peer in progress.keys where peer != id { progress[peer]?.recentActive = false }
            }
            leadTransferee = 0
        }
        if heartbeatElapsed >= options.heartbeatTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat(context: readIndexQueue.lastContext ?? [])
        }
    }

    /// Whether a quorum of voters (this server included) was heard from in this period.
    func hasActiveQuorum() -> Bool {
        let voters = configurations.latest.voters
        let active = voters.count { $0 == id || progress[$0]?.recentActive == true }
        return active >= RaftCore.quorum(of: voters)
    }

    /// Handles a message as leader.
    func stepLeader(_ message: Message) throws {
        switch message.body {
        case .appendResponse(let rejected, let index, let hintIndex, let hintTerm):
            try handleAppendResponse(
                from: message.from, rejected: rejected, index: index, hintIndex: hintIndex, hintTerm: hintTerm)
        case .heartbeatResponse(let context):
            try handleHeartbeatResponse(from: message.from, context: context)
        case .readIndex(let context):
            guard !context.isEmpty else { return }
            try handleReadIndexRequest(from: message.from, context: context)
        default:
            break
        }
    }

    /// Appends the leader's own entries (proposals, its no-op, configuration changes) and sends them.
    func appendAsLeader(_ entries: [Entry]) throws {
        log.append(entries)
        noteConfigurations(in: entries)
        try broadcastAppend()
    }

    /// Sends every follower what it is missing (an empty append when it misses nothing, to carry the
    /// commit index).
    func broadcastAppend() throws {
        for peer in progress.keys.sorted() where peer != id {
            try sendAppend(to: peer)
        }
    }

    /// Sends `peer` the entries after its `next`, or a snapshot if they were compacted. Returns whether
    /// a message was sent. `sendIfEmpty` also sends an append without entries (a probe, or the commit
    /// index); `ignoringPause` sends even into a full window (with no entries), to recover from lost
    /// messages.
    @discardableResult
    func sendAppend(to peer: NodeID, sendIfEmpty: Bool = true, ignoringPause: Bool = false) throws -> Bool {
        guard let entry = progress[peer] else { return false }
        if entry.isPaused && !(ignoringPause && entry.state != .snapshot) { return false }
        entry.next = min(entry.next, log.lastIndex + 1)
        let prevIndex = entry.next - 1
        guard let prevTerm = try log.termIfPresent(at: prevIndex) else {
            return sendSnapshot(to: peer)
        }
        var entries: [Entry] = []
        if !(entry.state == .replicate && entry.inflights.isFull) && entry.next <= log.lastIndex {
            let upper = min(log.lastIndex + 1, entry.next + UInt64(options.maxEntriesPerMessage))
            do {
                entries = try log.entries(from: entry.next, to: upper, maxBytes: options.maxBytesPerMessage)
            } catch is LogStorageError {
                return sendSnapshot(to: peer)
            }
        }
        if entries.isEmpty && !sendIfEmpty { return false }
        var bytes = 0
        for sent in entries { bytes += sent.data.count }
        send(
            to: peer,
            .appendEntries(prevLogIndex: prevIndex, prevLogTerm: prevTerm, entries: entries, commit: log.committed))
        entry.sent(count: entries.count, lastIndex: entries.last?.index ?? prevIndex, bytes: bytes)
        return true
    }

    /// Asks the driver to stream the latest snapshot to `peer`, which needs compacted entries.
    func sendSnapshot(to peer: NodeID) -> Bool {
        guard let entry = progress[peer], entry.recentActive else { return false }
        guard let metadata = log.storage.snapshotMetadata, metadata.index + 1 >= log.storage.firstIndex else {
            return false
        }
        send(to: peer, .installSnapshot(SnapshotChunk(metadata: metadata)))
        entry.becomeSnapshot(index: metadata.index)
        return true
    }

    /// Sends a heartbeat to every member, carrying `context` (the newest pending read, if any).
    func broadcastHeartbeat(context: [UInt8]) {
        for (peer, entry) in progress.sorted(by: { $0.key < $1.key }) where peer != id {
            // Never tell a follower to commit beyond what it is known to hold.
            send(to: peer, .heartbeat(commit: min(entry.match, log.committed), context: context))
        }
    }

    /// Handles a follower's answer to an append.
    func handleAppendResponse(
        from peer: NodeID, rejected: Bool, index: UInt64, hintIndex: UInt64, hintTerm: UInt64
    ) throws {
        guard let entry = progress[peer] else { return }
        entry.recentActive = true
        // An index past our log cannot answer anything we sent.
        guard index <= log.lastIndex else {
            return
        }
        if rejected {
            // The follower's hint names its last entry whose term is at most the term we probed
            // with; the last entry of ours at or below it with a term no greater than the hint's
            // is where the logs may match, which skips whole conflicting terms at once.
            var probe = min(hintIndex, index)
            if hintTerm > 0 {
                probe = try log.findConflictByTerm(index: probe, term: hintTerm).index
            }
            if entry.maybeDecrease(rejected: index, hint: probe) {
                if entry.state == .replicate {
                    let next = entry.next
                    entry.becomeProbe()
                    entry.next = max(next, entry.match + 1)
                }
                try sendAppend(to: peer)
            } else {
            }
            return
        }
        let wasPaused = entry.isPaused
        guard entry.maybeUpdate(index) else {
            return
        }
        switch entry.state {
        case .probe:
            entry.becomeReplicate()
        case .snapshot where entry.match + 1 >= log.firstIndex:
            // The snapshot (or the log) brought the follower far enough to continue from the log.
            entry.becomeProbe()
            entry.becomeReplicate()
        case .snapshot:
            break
        case .replicate:
            entry.inflights.free(through: index)
        }
        if try maybeCommit() {
            try afterCommitAdvanced()
        } else if wasPaused {
            try sendAppend(to: peer, sendIfEmpty: false)
        }
        // Pipelining: keep sending while the window has room and entries remain.
        while role == .leader, try sendAppend(to: peer, sendIfEmpty: false) {}
        if role == .leader, peer == leadTransferee, progress[peer]?.match == log.lastIndex {
            send(to: peer, .timeoutNow)
        }
    }

    /// Handles a follower's answer to a heartbeat.
    func handleHeartbeatResponse(from peer: NodeID, context: [UInt8]) throws {
        guard let entry = progress[peer] else { return }
        entry.recentActive = true
        entry.probeSent = false
        if entry.match < log.lastIndex {
            // Even into a full window: if every append in it was lost, this empty one makes the
            // follower answer, and the rejection puts it back into probing.
            try sendAppend(to: peer, ignoringPause: true)
        }
        if !context.isEmpty { try acknowledgeReadIndex(context: context, from: peer) }
    }

    /// Advances the commit index to the highest index a quorum of voters holds, provided that entry
    /// is of the current term (§5.4.2: counting replicas never commits an older term's entry; it
    /// commits with the first entry of the current term after it). Returns whether it moved.
    func maybeCommit() throws -> Bool {
        let voters = configurations.latest.voters
        guard !voters.isEmpty else { return false }
        var matches = voters.map { progress[$0]?.match ?? 0 }
        matches.sort(by: >)
        let candidate = matches[RaftCore.quorum(of: voters) - 1]
        guard candidate > log.committed, try log.termIfPresent(at: candidate) == term else { return false }
        log.commitTo(candidate)
        return true
    }

    /// What follows a commit-index advance on the leader: tell the followers, answer the reads that
    /// waited for the first commit of the term, and step down if this leader was removed and its
    /// removal is now committed.
    func afterCommitAdvanced() throws {
        try broadcastAppend()
        if !deferredReadRequests.isEmpty {
            let deferred = deferredReadRequests
            deferredReadRequests = []
            for request in deferred {
                try handleReadIndexRequest(from: request.from, context: request.context)
            }
        }
        if !configurations.latest.isVoter(id) && log.committed >= configurations.latestIndex {
            // Removed and the removal is committed: hand over to an up-to-date voter at once, rather
            // than leave the cluster to wait out an election timeout.
            let successor = configurations.latest.voters.first { progress[$0]?.match == log.lastIndex }
            if let successor { send(to: successor, .timeoutNow) }
            becomeFollower(term: term, leader: 0)
        }
    }

    /// Records this leader's own durable progress (called from `advance()`).
    func updateOwnProgress() throws {
        guard role == .leader, let entry = progress[id] else { return }
        if entry.maybeUpdate(stableLastIndex) {
            if try maybeCommit() { try afterCommitAdvanced() }
        }
    }
}
