/// A linearizability checker for histories of a key-value store, in the manner of Porcupine
/// (Athalye): the history is partitioned by key (a map of registers is linearizable iff each
/// register is, P-compositionality), and each partition is searched with the Wing & Gong / Lowe
/// backtracking algorithm: walk the time-ordered list of call and return events, linearize a pending
/// call when the sequential model accepts it, backtrack when a return is reached whose call could not
/// be linearized, and memoize (set of linearized operations, model state) pairs already explored.
///
/// An operation without a response may take effect at any time after its invocation, or never: its
/// return is placed after every other event.
enum LinearizabilityChecker {
    /// The verdict for a history.
    enum Verdict: Equatable {
        case linearizable
        /// The operations on `key` admit no linearization.
        case notLinearizable(key: UInt64)
    }

    static func check(_ history: [Operation]) -> Verdict {
        var byKey: [UInt64: [Operation]] = [:]
        for operation in history { byKey[operation.key, default: []].append(operation) }
        for key in byKey.keys.sorted() {
            guard let operations = byKey[key], isLinearizable(register: operations) else {
                return .notLinearizable(key: key)
            }
        }
        return .linearizable
    }

    /// The sequential model of one register: a put sets it, a get must return its value (0 when the
    /// key was never written).
    static func step(_ state: UInt64, _ operation: Operation) -> UInt64? {
        switch operation.input {
        case .put(_, let value):
            return value
        case .get:
            return operation.output == state ? state : nil
        }
    }

    /// Whether the operations on one register are linearizable.
    static func isLinearizable(register history: [Operation]) -> Bool {
        // A write that never answered and whose value nobody read can always be placed last; dropping
        // it up front keeps the search from exploring its every possible position.
        let observed = Set(history.compactMap { $0.response != nil ? $0.output : nil })
        let operations = history.filter { operation in
            if case .put(_, let value) = operation.input, operation.response == nil {
                return observed.contains(value)
            }
            return true
        }
        var list = EventList(operations)
        return list.search(operations)
    }
}

/// The call and return events of a history in time order, as a doubly linked list whose entries can
/// be lifted out and put back in O(1) (dancing links), with the backtracking search over it.
struct EventList {
    /// One event: a call or a return of operation `operation`.
    struct Node {
        var operation: Int
        var isCall: Bool
        /// For a call, the node of its return.
        var match: Int
        var previous: Int
        var next: Int
    }

    /// Node 0 is the head sentinel; `-1` ends the list.
    private(set) var nodes: [Node]

    init(_ operations: [Operation]) {
        var events: [(time: UInt64, isCall: Bool, operation: Int)] = []
        for (index, operation) in operations.enumerated() {
            events.append((operation.invoke, true, index))
            events.append((operation.response ?? .max, false, index))
        }
        // By time; at equal times calls first, so that touching intervals count as concurrent.
        events.sort { a, b in
            a.time != b.time
                ? a.time < b.time : (a.isCall && !b.isCall) || (a.isCall == b.isCall && a.operation < b.operation)
        }
        nodes = [Node(operation: -1, isCall: false, match: -1, previous: -1, next: events.isEmpty ? -1 : 1)]
        var returnNode = [Int](repeating: -1, count: operations.count)
        for (position, event) in events.enumerated() {
            let index = position + 1
            nodes.append(
                Node(
                    operation: event.operation, isCall: event.isCall, match: -1, previous: index - 1,
                    next: position + 1 < events.count ? index + 1 : -1))
            if !event.isCall { returnNode[event.operation] = index }
        }
        for index in nodes.indices.dropFirst() where nodes[index].isCall {
            nodes[index].match = returnNode[nodes[index].operation]
        }
    }

    /// Removes a call and its return from the list.
    mutating func lift(_ call: Int) {
        for index in [call, nodes[call].match] {
            let node = nodes[index]
            nodes[node.previous].next = node.next
            if node.next >= 0 { nodes[node.next].previous = node.previous }
        }
    }

    /// Puts back what `lift` removed, in the reverse order.
    mutating func unlift(_ call: Int) {
        for index in [nodes[call].match, call] {
            let node = nodes[index]
            nodes[node.previous].next = index
            if node.next >= 0 { nodes[node.next].previous = index }
        }
    }

    /// The backtracking search: true if some order of the operations respects real time and the model.
    mutating func search(_ operations: [Operation]) -> Bool {
        var linearized = Bitset(count: operations.count)
        var explored: Set<ExploredState> = []
        var stack: [(call: Int, state: UInt64)] = []
        var state: UInt64 = 0
        var entry = nodes[0].next
        while nodes[0].next >= 0 {
            guard entry >= 0 else { return false }
            let node = nodes[entry]
            if node.isCall {
                if let next = LinearizabilityChecker.step(state, operations[node.operation]) {
                    var candidate = linearized
                    candidate.set(node.operation)
                    if explored.insert(ExploredState(linearized: candidate, state: next)).inserted {
                        stack.append((entry, state))
                        state = next
                        linearized = candidate
                        lift(entry)
                        entry = nodes[0].next
                        continue
                    }
                }
                entry = node.next
            } else {
                // A return whose call is still pending: that call must come earlier; backtrack.
                guard let top = stack.popLast() else { return false }
                state = top.state
                linearized.clear(nodes[top.call].operation)
                unlift(top.call)
                entry = nodes[top.call].next
            }
        }
        return true
    }
}

/// A set of operation indices.
struct Bitset: Hashable {
    private var words: [UInt64]

    init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }

    mutating func set(_ bit: Int) { words[bit / 64] |= 1 << UInt64(bit % 64) }

    mutating func clear(_ bit: Int) { words[bit / 64] &= ~(1 << UInt64(bit % 64)) }
}

/// A point of the search already explored: which operations are linearized, and the model's state.
struct ExploredState: Hashable {
    var linearized: Bitset
    var state: UInt64
}
