import Testing

/// The checker itself: known linearizable and known non-linearizable histories, and agreement with a
/// brute-force search on many small random histories.
@Suite struct LinearizabilityCheckerTests {
    /// A put of `value` on `key` over [invoke, response].
    func put(_ key: UInt64, _ value: UInt64, _ invoke: UInt64, _ response: UInt64?, client: Int = 0) -> Operation {
        Operation(client: client, input: .put(key: key, value: value), output: nil, invoke: invoke, response: response)
    }

    /// A get on `key` that read `value` over [invoke, response].
    func get(_ key: UInt64, _ value: UInt64, _ invoke: UInt64, _ response: UInt64, client: Int = 0) -> Operation {
        Operation(client: client, input: .get(key: key), output: value, invoke: invoke, response: response)
    }

    @Test func sequentialHistoryIsLinearizable() {
        let history = [put(1, 10, 1, 2), get(1, 10, 3, 4), put(1, 11, 5, 6), get(1, 11, 7, 8), get(2, 0, 9, 10)]
        #expect(LinearizabilityChecker.check(history) == .linearizable)
    }

    @Test func concurrentReadMaySeeEitherValue() {
        let old = [put(1, 10, 1, 2), put(1, 11, 3, 8), get(1, 10, 4, 5)]
        let new = [put(1, 10, 1, 2), put(1, 11, 3, 8), get(1, 11, 4, 5)]
        #expect(LinearizabilityChecker.check(old) == .linearizable)
        #expect(LinearizabilityChecker.check(new) == .linearizable)
    }

    @Test func staleReadAfterACompletedWriteIsNot() {
        let history = [put(1, 10, 1, 2), put(1, 11, 3, 4), get(1, 10, 5, 6)]
        #expect(LinearizabilityChecker.check(history) == .notLinearizable(key: 1))
    }

    @Test func readOfAValueNeverWrittenIsNot() {
        let history = [put(2, 10, 1, 2), get(2, 99, 3, 4)]
        #expect(LinearizabilityChecker.check(history) == .notLinearizable(key: 2))
    }

    @Test func readsMustNotGoBackInTime() {
        // The write is concurrent with both reads, but once one read saw it, a later read must too.
        let history = [put(1, 11, 1, 10, client: 0), get(1, 11, 2, 3, client: 1), get(1, 0, 4, 5, client: 2)]
        #expect(LinearizabilityChecker.check(history) == .notLinearizable(key: 1))
    }

    @Test func unansweredWriteMayTakeEffectLateOrNever() {
        let seenLate = [put(1, 10, 1, nil), get(1, 0, 2, 3), get(1, 10, 50, 51)]
        let never = [put(1, 10, 1, nil), get(1, 0, 2, 3), get(1, 0, 50, 51)]
        let undone = [put(1, 10, 1, nil), get(1, 10, 2, 3), get(1, 0, 50, 51)]
        #expect(LinearizabilityChecker.check(seenLate) == .linearizable)
        #expect(LinearizabilityChecker.check(never) == .linearizable)
        #expect(LinearizabilityChecker.check(undone) == .notLinearizable(key: 1))
    }

    @Test func keysAreCheckedIndependently() {
        let history = [put(1, 10, 1, 4), put(2, 20, 2, 3), get(2, 20, 5, 6), get(1, 10, 5, 6), get(3, 0, 1, 9)]
        #expect(LinearizabilityChecker.check(history) == .linearizable)
        #expect(LinearizabilityChecker.check(history + [get(2, 0, 7, 8)]) == .notLinearizable(key: 2))
    }

    @Test func agreesWithBruteForceOnRandomHistories() {
        var random = SimRandom(seed: 20_240_601)
        var verdicts = [true: 0, false: 0]
        for _ in 0..<1500 {
            let history = randomHistory(&random)
            let expected = bruteForce(history)
            let actual = LinearizabilityChecker.isLinearizable(register: history)
            #expect(actual == expected, "history \(history)")
            verdicts[expected, default: 0] += 1
        }
        // Both outcomes must be well represented for the comparison to mean anything.
        #expect(verdicts[true, default: 0] > 200 && verdicts[false, default: 0] > 200, "\(verdicts)")
    }

    /// Up to 6 operations on one register with random overlapping intervals and plausible outputs.
    func randomHistory(_ random: inout SimRandom) -> [Operation] {
        let count = random.int(1...6)
        var history: [Operation] = []
        var time: UInt64 = 0
        var values: [UInt64] = [0]
        for index in 0..<count {
            time += random.uint(0...4)
            let invoke = time
            let response: UInt64? = random.chance(0.15) ? nil : invoke + random.uint(1...3)
            if random.chance(0.5) {
                let value = UInt64(index + 1)
                values.append(value)
                history.append(put(1, value, invoke * 2, response.map { $0 * 2 + 1 }))
            } else {
                history.append(get(1, random.pick(values), invoke * 2, (response ?? invoke + 3) * 2 + 1))
            }
        }
        return history
    }

    /// Tries every order of the operations (and, for unanswered ones, leaving them out).
    func bruteForce(_ history: [Operation]) -> Bool {
        func search(_ remaining: [Int], _ done: [Int], _ state: UInt64) -> Bool {
            if remaining.allSatisfy({ history[$0].response == nil }) { return true }
            for candidate in remaining {
                // Real time: no remaining operation may have returned before this one was invoked.
                let blocked = remaining.contains { other in
                    other != candidate && (history[other].response ?? .max) < history[candidate].invoke
                }
                guard !blocked, let next = LinearizabilityChecker.step(state, history[candidate]) else { continue }
                if search(remaining.filter { $0 != candidate }, done + [candidate], next) { return true }
            }
            return false
        }
        return search(Array(history.indices), [], 0)
    }
}
