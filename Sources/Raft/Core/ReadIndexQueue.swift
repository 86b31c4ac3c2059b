/// The leader's pending ReadIndex requests, in arrival order, each with the commit index it was
/// given and the servers that acknowledged the heartbeat round carrying its context.
///
/// A request is answered once a quorum acknowledged a heartbeat sent after it arrived; since a
/// heartbeat that confirms a request also confirms every earlier one, answering a request answers
/// all requests queued before it (etcd-io/raft's read_only.go works the same way).
struct ReadIndexQueue {
    /// One pending request.
    struct Request {
        /// The request's context (unique per request).
        var context: [UInt8]
        /// The commit index when the request arrived.
        var index: UInt64
        /// Who asked (this server for a local request).
        var from: NodeID
        /// Who acknowledged a heartbeat carrying this context.
        var acks: Set<NodeID>
    }

    /// The pending requests, oldest first.
    private(set) var requests: [Request] = []
    /// The position of each context in `requests`.
    private var positions: [[UInt8]: Int] = [:]

    /// The context of the newest request, which every heartbeat carries.
    var lastContext: [UInt8]? { requests.last?.context }

    /// Queues a request (a duplicate context is ignored), acknowledged by the leader itself.
    mutating func add(context: [UInt8], index: UInt64, from: NodeID, leader: NodeID) {
        guard positions[context] == nil else { return }
        positions[context] = requests.count
        requests.append(Request(context: context, index: index, from: from, acks: [leader]))
    }

    /// Records that `from` acknowledged `context`; returns who acknowledged it so far, or `nil` for
    /// an unknown context.
    mutating func acknowledge(context: [UInt8], from: NodeID) -> Set<NodeID>? {
        guard let position = positions[context] else { return nil }
        requests[position].acks.insert(from)
        return requests[position].acks
    }

    /// Removes and returns every request up to and including the one with `context`.
    mutating func release(through context: [UInt8]) -> [Request] {
        guard let position = positions[context] else { return [] }
        let released = Array(requests[...position])
        requests.removeFirst(position + 1)
        positions.removeAll(keepingCapacity: true)
        for (offset, request) in requests.enumerated() { positions[request.context] = offset }
        return released
    }

    /// Drops every request (leadership was lost).
    mutating func reset() {
        requests.removeAll()
        positions.removeAll()
    }
}
