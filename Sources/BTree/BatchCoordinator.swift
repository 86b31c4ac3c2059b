/// Gathers concurrent ``BTreeDB/batch(_:)`` calls into one write transaction (bbolt's `Batch`).
///
/// The first caller of a batch leads it: it waits until ``BTreeOptions/maxBatchSize`` calls have joined
/// or ``BTreeOptions/maxBatchDelay`` has passed, then runs every call's function in one
/// ``BTreeDB/update(_:)``. If a function throws, the transaction rolls back, that call is told to run
/// again alone (so its error is its own), and the rest run again together. Callers that joined wait
/// for their outcome.
final class BatchCoordinator: @unchecked Sendable {
    // Safe to share: `pending` and `leading` are only touched under `monitor`.
    private let monitor = Monitor()
    private var pending: [BatchCall] = []
    private var leading = false

    init() {}

    /// Runs `body` as part of a batch on `db`; returns when the batch holding it has committed.
    func submit(_ body: @escaping @Sendable (Transaction) throws -> Void, to db: BTreeDB) throws {
        let call = BatchCall(body)
        let maxSize = max(1, db.options.maxBatchSize)
        let delay = db.options.maxBatchDelay.components
        let delayNanoseconds =
            UInt64(max(0, delay.seconds)) * 1_000_000_000 + UInt64(max(0, delay.attoseconds / 1_000_000_000))
        monitor.lock()
        pending.append(call)
        if !leading {
            leading = true
            let deadline = Monitor.now() + delayNanoseconds
            while pending.count < maxSize && Monitor.now() < deadline {
                monitor.wait(until: deadline)
            }
            let calls = pending
            pending = []
            leading = false
            monitor.unlock()
            let outcomes = run(calls, on: db)
            monitor.lock()
            for (call, outcome) in zip(calls, outcomes) { call.outcome = outcome }
            monitor.broadcast()
        } else if pending.count >= maxSize {
            monitor.broadcast()
        }
        while call.outcome == nil { monitor.wait() }
        let outcome = call.outcome
        monitor.unlock()
        switch outcome {
        case .failed(let error): throw error
        case .runAlone: try db.update { try body($0) }
        case .committed, nil: return
        }
    }

    /// Runs the calls' functions in one transaction, taking out any that throw; one outcome per call.
    private func run(_ calls: [BatchCall], on db: BTreeDB) -> [BatchCall.Outcome] {
        var outcomes = [BatchCall.Outcome?](repeating: nil, count: calls.count)
        var remaining = Array(calls.indices)
        while !remaining.isEmpty {
            var failedIndex: Int?
            do {
                try db.update { tx in
                    for index in remaining {
                        do {
                            try calls[index].body(tx)
                        } catch {
                            failedIndex = index
                            throw error
                        }
                    }
                }
                for index in remaining { outcomes[index] = .committed }
                remaining = []
            } catch {
                if let failedIndex {
                    outcomes[failedIndex] = .runAlone
                    remaining.removeAll { $0 == failedIndex }
                } else {
                    for index in remaining { outcomes[index] = .failed(error) }
                    remaining = []
                }
            }
        }
        return outcomes.map { $0 ?? .committed }
    }
}
