/// What the leader knows of one follower's log and how it replicates to it.
///
/// A class, so that the leader updates it in place: its inflight ring would otherwise be copied on
/// every append sent (copy-on-write of a value read out of the dictionary).
final class Progress {
    /// The highest index known to match the leader's log.
    var match: UInt64 = 0
    /// The index of the next entry to send.
    var next: UInt64
    /// Probe, replicate or snapshot.
    var state: ReplicationState = .probe
    /// In snapshot state, the index of the snapshot being sent.
    var pendingSnapshot: UInt64 = 0
    /// Whether the follower was heard from since the last check-quorum round.
    var recentActive = false
    /// In probe state, whether an append was sent and its answer is awaited.
    var probeSent = false
    /// In replicate state, the appends in flight.
    var inflights: Inflights

    /// A progress for a follower whose log is assumed to end at `next - 1`.
    init(next: UInt64, maxInflight: Int, maxInflightBytes: Int) {
        self.next = next
        inflights = Inflights(capacity: maxInflight, maxBytes: maxInflightBytes)
    }

    /// Whether the leader must not send an append now.
    var isPaused: Bool {
        switch state {
        case .probe: return probeSent
        case .replicate: return inflights.isFull
        case .snapshot: return true
        }
    }

    /// Goes back to probing from the last known match (or past the snapshot just sent).
    func becomeProbe() {
        if state == .snapshot {
            next = max(match + 1, pendingSnapshot + 1)
            pendingSnapshot = 0
        } else {
            next = match + 1
        }
        state = .probe
        probeSent = false
        inflights.reset()
    }

    /// Starts streaming after the match.
    func becomeReplicate() {
        state = .replicate
        next = match + 1
        probeSent = false
        inflights.reset()
    }

    /// Waits for the snapshot at `index` to be installed.
    func becomeSnapshot(index: UInt64) {
        state = .snapshot
        pendingSnapshot = index
        probeSent = false
        inflights.reset()
    }

    /// Records that the follower matches up to `index`; returns whether the match moved.
    func maybeUpdate(_ index: UInt64) -> Bool {
        var updated = false
        if match < index {
            match = index
            updated = true
            probeSent = false
        }
        next = max(next, index + 1)
        return updated
    }

    /// Handles a rejection of the append after `rejected`, with the follower's hint that its log may
    /// match up to `hint`. Returns false for a stale rejection (one that answers an older append).
    func maybeDecrease(rejected: UInt64, hint: UInt64) -> Bool {
        if state == .replicate {
            // A rejection at or below the match answers an append sent before the match was known.
            guard rejected > match else { return false }
            next = max(min(rejected, hint + 1), match + 1)
            return true
        }
        // In probe state only the answer to the last probe counts.
        guard next - 1 == rejected else { return false }
        next = max(min(rejected, hint + 1), match + 1)
        probeSent = false
        return true
    }

    /// Records an append of `count` entries ending at `lastIndex` (`bytes` of data) just sent.
    func sent(count: Int, lastIndex: UInt64, bytes: Int) {
        switch state {
        case .replicate:
            if count > 0 {
                next = lastIndex + 1
                inflights.add(index: lastIndex, bytes: bytes)
            }
        case .probe:
            probeSent = true
        case .snapshot:
            break
        }
    }
}
