import Testing

@testable import Server

@Suite struct LeaseStoreTests {
    @Test func grantKeepaliveRevokeThroughCommands() throws {
        let directory = TemporaryDirectory("leases")
        defer { directory.cleanup() }
        let store = try LeaseStore(directory: directory.path)
        #expect(try store.apply(.grant(id: 10, name: bytes("/esq/node-1"), ttl: 10), at: 1) == .done)
        #expect(try store.apply(.grant(id: 10, name: bytes("/other"), ttl: 10), at: 2) == .conflict)
        #expect(try store.lease(10)?.state == .created)
        #expect(try store.apply(.keepalive(id: 10, key: bytes("nodeinfo"), data: bytes("{}")), at: 3) == .done)
        let record = try #require(try store.lease(10))
        #expect(record.state == .alive)
        #expect(record.keys == [LeaseKey(name: bytes("nodeinfo"), data: bytes("{}"), revision: 3)])
        #expect(try store.apply(.keepalive(id: 11, key: bytes("k"), data: []), at: 4) == .notFound)
        #expect(try store.apply(.revoke(id: 10), at: 5) == .done)
        #expect(try store.lease(10) == nil)
        #expect(try store.leases(namePrefix: bytes("/esq")).isEmpty)
        #expect(try store.apply(.revoke(id: 10), at: 6) == .notFound)
        #expect(try store.appliedIndex() == 6)
        try store.close()
    }

    @Test func prefixQueriesUseTheNameIndex() throws {
        let directory = TemporaryDirectory("leases")
        defer { directory.cleanup() }
        let store = try LeaseStore(directory: directory.path)
        let names = ["/esq/node-1", "/esq/node-2", "/esq/nodes", "/esr/node", "/esq/node-1"]
        for (offset, name) in names.enumerated() {
            _ = try store.apply(.grant(id: UInt64(100 + offset), name: bytes(name), ttl: 5), at: UInt64(offset + 1))
        }
        let found = try store.leases(namePrefix: bytes("/esq/node")).map(\.id).sorted()
        #expect(found == [100, 101, 102, 104])
        #expect(try store.leases(namePrefix: bytes("/esq/node-1")).map(\.id).sorted() == [100, 104])
        #expect(try store.allLeases().map(\.id) == [100, 101, 102, 103, 104])
        #expect(try store.largestLeaseID() == 104)
        try store.close()
    }

    @Test func expiriesApplyOnlyToTheRevisionTheyName() throws {
        let directory = TemporaryDirectory("leases")
        defer { directory.cleanup() }
        let store = try LeaseStore(directory: directory.path)
        _ = try store.apply(.grant(id: 1, name: bytes("a"), ttl: 5), at: 1)
        _ = try store.apply(.keepalive(id: 1, key: bytes("x"), data: bytes("1")), at: 2)
        _ = try store.apply(.keepalive(id: 1, key: bytes("y"), data: bytes("1")), at: 3)
        // x was kept alive again with new data at index 4 after the leader decided on expiry at 2.
        _ = try store.apply(.keepalive(id: 1, key: bytes("x"), data: bytes("2")), at: 4)
        _ = try store.apply(.expire([LeaseExpiry(lease: 1, key: bytes("x"), revision: 2)]), at: 5)
        #expect(try store.lease(1)?.keys.map(\.name) == [bytes("x"), bytes("y")])
        _ = try store.apply(
            .expire([
                LeaseExpiry(lease: 1, key: bytes("x"), revision: 4),
                LeaseExpiry(lease: 1, key: bytes("y"), revision: 3),
            ]), at: 6)
        // No live key left: the lease is revoked in the same step.
        #expect(try store.lease(1) == nil)
        #expect(try store.leases(namePrefix: bytes("a")).isEmpty)

        // A lease never kept alive expires by its grant revision, unless it came alive meanwhile.
        _ = try store.apply(.grant(id: 2, name: bytes("b"), ttl: 5), at: 7)
        _ = try store.apply(.grant(id: 3, name: bytes("c"), ttl: 5), at: 8)
        _ = try store.apply(.keepalive(id: 3, key: bytes("k"), data: []), at: 9)
        _ = try store.apply(
            .expire([LeaseExpiry(lease: 2, key: nil, revision: 7), LeaseExpiry(lease: 3, key: nil, revision: 8)]),
            at: 10)
        #expect(try store.lease(2) == nil)
        #expect(try store.lease(3)?.keys.count == 1)
        try store.close()
    }

    @Test func stateAndAppliedIndexSurviveReopen() throws {
        let directory = TemporaryDirectory("leases")
        defer { directory.cleanup() }
        do {
            let store = try LeaseStore(directory: directory.path)
            _ = try store.apply(.grant(id: 5, name: bytes("svc"), ttl: 30), at: 41)
            _ = try store.apply(.keepalive(id: 5, key: bytes("k"), data: bytes("d")), at: 42)
            try store.close()
        }
        let reopened = try LeaseStore(directory: directory.path)
        #expect(try reopened.appliedIndex() == 42)
        #expect(try reopened.lease(5)?.keys.first?.data == bytes("d"))
        try reopened.close()
    }
}
