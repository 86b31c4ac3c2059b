import Testing

@testable import Server

/// The lease manager driven by hand: commands are "committed" by applying them to the store at the
/// next index, as a single-node Raft would, and time is a number the test moves.
@Suite struct LeaseManagerTests {
    final class Harness {
        let directory = TemporaryDirectory("lease-manager")
        let store: LeaseStore
        let manager: LeaseManager
        var index: UInt64 = 0
        var now: UInt64 = 1_000_000_000

        init() throws {
            store = try LeaseStore(directory: directory.path)
            let store = store
            manager = try #require(try LeaseManager(store: { store }, worker: 1))
            try manager.becameLeader(now: now)
        }

        deinit {
            try? store.close()
            directory.cleanup()
        }

        @discardableResult
        func commit(_ command: Command) throws -> ApplyOutcome {
            index += 1
            let outcome = try store.apply(command, at: index)
            try manager.applied(command, outcome: outcome, now: now)
            return outcome
        }

        func grant(_ name: String, ttl: UInt32) throws -> UInt64 {
            let id = manager.nextLeaseID(wallClockMilliseconds: 1_800_000_000_000 + index)
            try commit(.grant(id: id, name: bytes(name), ttl: ttl))
            return id
        }

        /// A keepalive as the node serves it: refresh in memory when possible, else through Raft.
        func keepAlive(_ id: UInt64, _ key: String, _ data: String) throws -> (proposed: Bool, outcome: ApplyOutcome) {
            if try manager.refreshIfUnchanged(lease: id, key: bytes(key), data: bytes(data), now: now) {
                return (false, .done)
            }
            return (true, try commit(.keepalive(id: id, key: bytes(key), data: bytes(data))))
        }

        func advance(seconds: Double) throws {
            now += UInt64(seconds * 1e9)
            if let expire = try manager.collectExpired(now: now) { try commit(expire) }
        }
    }

    @Test func keepalivesWithSameDataCostNoRaftEntry() throws {
        let h = try Harness()
        let id = try h.grant("/esq/node-1", ttl: 10)
        #expect(try h.keepAlive(id, "nodeinfo", "{\"a\":1}").proposed)
        let entries = h.index
        for _ in 0..<20 {
            try h.advance(seconds: 3)
            #expect(try !h.keepAlive(id, "nodeinfo", "{\"a\":1}").proposed)
        }
        #expect(h.index == entries)
        #expect(try h.store.lease(id)?.keys.count == 1)
        // New data is replicated.
        #expect(try h.keepAlive(id, "nodeinfo", "{\"a\":2}").proposed)
        #expect(try h.manager.data(keyPrefix: bytes("node"), namePrefix: bytes("/esq")) == [bytes("{\"a\":2}")])
    }

    @Test func keyExpiresBetweenTtlAndTtlPlusOne() throws {
        let h = try Harness()
        let id = try h.grant("svc", ttl: 5)
        _ = try h.keepAlive(id, "a", "1")
        _ = try h.keepAlive(id, "b", "1")
        try h.advance(seconds: 4.9)
        #expect(try h.store.lease(id)?.keys.count == 2)
        _ = try h.keepAlive(id, "b", "1")  // b restarts; a does not
        try h.advance(seconds: 0.2)
        #expect(try h.store.lease(id)?.keys.map(\.name) == [bytes("b")])
        let status = try #require(try h.manager.status(of: id, now: h.now))
        #expect(status.keys.first?.remaining == 5)
        try h.advance(seconds: 5)
        // No live key left: revoked.
        #expect(try h.store.lease(id) == nil)
        #expect(h.manager.countdowns == 0)
    }

    @Test func leaseNeverKeptAliveExpiresAfterItsTtl() throws {
        let h = try Harness()
        let id = try h.grant("idle", ttl: 3)
        #expect(try h.manager.status(of: id, now: h.now)?.state == .created)
        try h.advance(seconds: 2.9)
        #expect(try h.store.lease(id) != nil)
        try h.advance(seconds: 0.2)
        #expect(try h.store.lease(id) == nil)
    }

    @Test func expiredKeyKeptAliveAgainIsLiveAgain() throws {
        let h = try Harness()
        let id = try h.grant("svc", ttl: 2)
        _ = try h.keepAlive(id, "a", "1")
        _ = try h.keepAlive(id, "b", "1")
        for _ in 0..<3 {
            try h.advance(seconds: 1)
            _ = try h.keepAlive(id, "b", "1")
        }
        #expect(try h.store.lease(id)?.key(named: bytes("a")) == nil)
        let revived = try h.keepAlive(id, "a", "1")
        #expect(revived.proposed && revived.outcome == .done)
        #expect(try h.store.lease(id)?.key(named: bytes("a")) != nil)
    }

    @Test func newLeaderRestartsEveryCountdownInFull() throws {
        let h = try Harness()
        let id = try h.grant("svc", ttl: 10)
        _ = try h.keepAlive(id, "a", "1")
        try h.advance(seconds: 8)
        h.manager.lostLeadership()
        #expect(try h.manager.collectExpired(now: h.now + 100_000_000_000) == nil)
        // Another node takes over (here: the same store, as every node has the same state).
        try h.manager.becameLeader(now: h.now)
        try h.advance(seconds: 9.9)
        #expect(try h.store.lease(id) != nil, "a countdown never ends early across a failover")
        try h.advance(seconds: 0.2)
        #expect(try h.store.lease(id) == nil)
    }

    @Test func failedExpiryProposalIsRetried() throws {
        let h = try Harness()
        let id = try h.grant("svc", ttl: 1)
        h.now += 2_000_000_000
        let expire = try #require(try h.manager.collectExpired(now: h.now))
        h.manager.retryExpiry(expire, now: h.now)  // the proposal failed
        try h.advance(seconds: 0)
        #expect(try h.store.lease(id) == nil)
    }

    @Test func tenThousandLeasesExpireInBatches() throws {
        let h = try Harness()
        for n in 0..<10_000 {
            let id = try h.grant("/svc/\(n)", ttl: 5)
            _ = try h.keepAlive(id, "k", "\(n)")
        }
        #expect(h.manager.countdowns == 10_000)
        let before = h.index
        try h.advance(seconds: 5.1)
        #expect(h.index == before + 1, "one expire command for all of them")
        #expect(try h.store.allLeases().isEmpty)
    }
}
