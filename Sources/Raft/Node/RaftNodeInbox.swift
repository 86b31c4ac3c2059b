/// Requests waiting for a ``RaftNode``'s loop, filled from any thread under the node's lock and
/// drained whole by the loop on each wake-up.
struct RaftNodeInbox<Result: Sendable>: Sendable {
    /// A proposal and its waiting caller.
    struct Proposal: Sendable {
        var data: [UInt8]
        var continuation: CheckedContinuation<Result, any Error>
    }

    /// A membership change and its waiting caller.
    struct Change: Sendable {
        var change: ConfigurationChange
        var continuation: CheckedContinuation<Void, any Error>
    }

    var messages: [(from: NodeID, payload: [UInt8])] = []
    var proposals: [Proposal] = []
    var reads: [CheckedContinuation<UInt64, any Error>] = []
    var changes: [Change] = []
    var transfers: [(target: NodeID, continuation: CheckedContinuation<Void, any Error>)] = []
    var snapshotReports: [(peer: NodeID, succeeded: Bool)] = []
    var learnedPeers: [NodeID: String] = [:]
    var stopRequested = false

    var isEmpty: Bool {
        messages.isEmpty && proposals.isEmpty && reads.isEmpty && changes.isEmpty && transfers.isEmpty
            && snapshotReports.isEmpty && learnedPeers.isEmpty && !stopRequested
    }
}
