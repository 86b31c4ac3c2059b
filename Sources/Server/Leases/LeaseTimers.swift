/// Every lease countdown of the leader in one structure: a binary min-heap of deadlines with lazy
/// deletion, plus a map from each countdown to its current deadline.
///
/// Rescheduling a countdown (a keepalive) pushes a new heap entry and bumps the countdown's
/// generation; the old entry stays in the heap and is skipped when it surfaces. That makes a
/// keepalive `O(log n)` with no search, at the price of stale entries, which are swept out by a
/// rebuild whenever they outnumber the live ones. There is no task or timer per lease: the lease
/// manager polls ``popExpired(now:limit:)`` a few times a second.
///
/// Deadlines are in the caller's monotonic clock (nanoseconds); nothing here reads a clock.
struct LeaseTimers {
    private struct Entry {
        var deadline: UInt64
        var generation: UInt64
        var timer: LeaseTimer
    }

    private struct Current {
        var deadline: UInt64
        var generation: UInt64
    }

    private var heap: [Entry] = []
    private var current: [LeaseTimer: Current] = [:]
    /// The timers of each lease, so a revoke cancels them all without a scan.
    private var timersByLease: [UInt64: Set<LeaseTimer>] = [:]
    private var nextGeneration: UInt64 = 0

    /// Countdowns running.
    var count: Int { current.count }

    /// Heap entries, live and stale (for tests of the sweep).
    var heapCount: Int { heap.count }

    /// The deadline of `timer`, if it is running.
    func deadline(of timer: LeaseTimer) -> UInt64? { current[timer]?.deadline }

    /// The running timers of lease `id`.
    func timers(ofLease id: UInt64) -> Set<LeaseTimer> { timersByLease[id] ?? [] }

    /// Starts `timer`, or restarts it, so that it fires at `deadline`.
    mutating func schedule(_ timer: LeaseTimer, deadline: UInt64) {
        nextGeneration += 1
        current[timer] = Current(deadline: deadline, generation: nextGeneration)
        timersByLease[timer.leaseID, default: []].insert(timer)
        push(Entry(deadline: deadline, generation: nextGeneration, timer: timer))
        if heap.count > 2 * current.count + 1024 { rebuild() }
    }

    /// Stops `timer`; a timer not running is ignored.
    mutating func cancel(_ timer: LeaseTimer) {
        guard current.removeValue(forKey: timer) != nil else { return }
        let id = timer.leaseID
        timersByLease[id]?.remove(timer)
        if timersByLease[id]?.isEmpty == true { timersByLease[id] = nil }
    }

    /// Stops every timer of lease `id`.
    mutating func cancelLease(_ id: UInt64) {
        guard let timers = timersByLease.removeValue(forKey: id) else { return }
        for timer in timers { current[timer] = nil }
    }

    /// Stops everything (the node lost leadership).
    mutating func removeAll() {
        heap.removeAll()
        current.removeAll()
        timersByLease.removeAll()
    }

    /// Removes and returns up to `limit` timers whose deadline is at or before `now`, earliest first.
    mutating func popExpired(now: UInt64, limit: Int = .max) -> [LeaseTimer] {
        var expired: [LeaseTimer] = []
        while expired.count < limit, let top = heap.first, top.deadline <= now {
            popTop()
            guard let live = current[top.timer], live.generation == top.generation else { continue }
            cancel(top.timer)
            expired.append(top.timer)
        }
        return expired
    }

    /// The earliest live deadline, if any (stale entries on top are dropped on the way).
    mutating func nextDeadline() -> UInt64? {
        while let top = heap.first {
            if let live = current[top.timer], live.generation == top.generation { return top.deadline }
            popTop()
        }
        return nil
    }

    // MARK: Heap

    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.deadline < b.deadline || (a.deadline == b.deadline && a.generation < b.generation)
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            var smallest = parent
            let left = 2 * parent + 1
            let right = left + 1
            if left < heap.count && Self.precedes(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && Self.precedes(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }

    /// Drops stale entries and re-heapifies.
    private mutating func rebuild() {
        heap.removeAll(keepingCapacity: true)
        for (timer, live) in current {
            heap.append(Entry(deadline: live.deadline, generation: live.generation, timer: timer))
        }
        var parent = heap.count / 2 - 1
        while parent >= 0 {
            siftDown(parent)
            parent -= 1
        }
    }
}
