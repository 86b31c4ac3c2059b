/// The driver contract: `hasReady`, `ready()`, `advance()`.
extension RaftCore {
    /// Whether ``ready()`` has anything to hand out. Always false while a Ready is outstanding
    /// (handed out and not yet acknowledged with ``advance()``).
    public var hasReady: Bool {
        guard outstanding == nil else { return false }
        return !outbox.isEmpty
            || !pendingReadStates.isEmpty
            || currentSoftState != reportedSoftState
            || currentHardState != reportedHardState
            || log.unstable.nextSnapshot != nil
            || !log.unstable.nextEntries.isEmpty
            || log.hasNextCommittedEntries
    }

    /// Hands out everything to persist, send and apply since the last Ready (see ``Ready`` for what
    /// the driver must do with it). Call ``advance()`` when done; until then ``hasReady`` is false,
    /// but ``step(_:)``, ``tick()`` and the other inputs may still be called (their effects go to the
    /// next Ready).
    ///
    /// - Precondition: no Ready is outstanding.
    public func ready() throws -> Ready {
        precondition(outstanding == nil, "ready() called before advance() acknowledged the previous Ready")
        let entries = Array(log.unstable.nextEntries)
        let snapshot = log.unstable.nextSnapshot
        let committed = try log.nextCommittedEntries(maxBytes: options.maxCommittedBytesPerReady)
        let hardState = currentHardState
        let softState = currentSoftState
        let mustSync =
            !entries.isEmpty || snapshot != nil || hardState.term != reportedHardState.term
            || hardState.vote != reportedHardState.vote
        let ready = Ready(
            softState: softState != reportedSoftState ? softState : nil,
            hardState: hardState != reportedHardState ? hardState : nil,
            snapshot: snapshot,
            entries: entries,
            committedEntries: committed,
            messages: outbox,
            readStates: pendingReadStates,
            mustSync: mustSync)
        outbox = []
        pendingReadStates = []
        reportedSoftState = softState
        reportedHardState = hardState
        log.unstable.acceptInProgress()
        outstanding = OutstandingReady(
            lastEntry: entries.last.map { ($0.index, $0.term) }, snapshotIndex: snapshot?.index,
            lastCommitted: committed.last?.index)
        return ready
    }

    /// Acknowledges the outstanding Ready: its entries and snapshot are durable, its committed entries
    /// applied. A leader now counts its own copy of the entries towards commitment (it counts only
    /// what it has made durable).
    public func advance() throws {
        guard let done = outstanding else { return }
        outstanding = nil
        if let index = done.snapshotIndex {
            log.unstable.stableSnapshotTo(index: index)
            log.applied = max(log.applied, index)
        }
        if let last = done.lastEntry {
            log.unstable.stableTo(index: last.index, term: last.term)
        }
        if let index = done.lastCommitted {
            log.applied = max(log.applied, index)
        }
        try updateOwnProgress()
    }

    /// The soft state now.
    var currentSoftState: SoftState { SoftState(leader: leader, role: role) }

    /// The hard state now.
    var currentHardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }
}
