import Testing

@testable import Server

@Suite struct LeaseTimersTests {
    @Test func firesInDeadlineOrderAndOnlyOnce() {
        var timers = LeaseTimers()
        timers.schedule(.lease(1), deadline: 30)
        timers.schedule(.key(lease: 2, name: bytes("k")), deadline: 10)
        timers.schedule(.lease(3), deadline: 20)
        #expect(timers.popExpired(now: 5).isEmpty)
        #expect(timers.popExpired(now: 25) == [.key(lease: 2, name: bytes("k")), .lease(3)])
        #expect(timers.popExpired(now: 100) == [.lease(1)])
        #expect(timers.popExpired(now: 1000).isEmpty)
        #expect(timers.count == 0)
    }

    @Test func reschedulingMovesTheDeadline() {
        var timers = LeaseTimers()
        let key = LeaseTimer.key(lease: 9, name: bytes("nodeinfo"))
        timers.schedule(key, deadline: 10)
        timers.schedule(key, deadline: 50)
        #expect(timers.popExpired(now: 20).isEmpty)
        #expect(timers.deadline(of: key) == 50)
        #expect(timers.popExpired(now: 50) == [key])
    }

    @Test func cancelLeaseStopsAllItsTimers() {
        var timers = LeaseTimers()
        timers.schedule(.key(lease: 1, name: bytes("a")), deadline: 10)
        timers.schedule(.key(lease: 1, name: bytes("b")), deadline: 10)
        timers.schedule(.key(lease: 2, name: bytes("a")), deadline: 10)
        timers.cancelLease(1)
        #expect(timers.popExpired(now: 10) == [.key(lease: 2, name: bytes("a"))])
    }

    /// 100k leases kept alive over and over: the heap stays bounded and firing matches a model.
    @Test func manyKeepalivesAgainstAModel() {
        let seed = testSeed(default: 2026)
        var random = SeededGenerator(seed: seed)
        var timers = LeaseTimers()
        var model: [LeaseTimer: UInt64] = [:]
        var now: UInt64 = 0
        for id in 0..<100_000 as Range<UInt64> {
            let deadline = UInt64.random(in: 1_000...10_000, using: &random)
            timers.schedule(.lease(id), deadline: deadline)
            model[.lease(id)] = deadline
        }
        for _ in 0..<50 {
            for _ in 0..<10_000 {
                let id = UInt64.random(in: 0..<100_000, using: &random)
                guard model[.lease(id)] != nil else { continue }
                let deadline = now + UInt64.random(in: 1_000...10_000, using: &random)
                timers.schedule(.lease(id), deadline: deadline)
                model[.lease(id)] = deadline
            }
            now += 200
            let fired = Set(timers.popExpired(now: now))
            let due = Set(model.filter { $0.value <= now }.keys)
            #expect(fired == due, "seed \(seed)")
            for timer in due { model[timer] = nil }
            #expect(timers.count == model.count, "seed \(seed)")
            #expect(timers.heapCount <= 2 * timers.count + 1024 + 1, "seed \(seed)")
        }
    }
}
