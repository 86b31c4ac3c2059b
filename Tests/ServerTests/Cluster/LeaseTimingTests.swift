import Foundation
import Testing

extension ClusterTests.StableClusterTests {
    /// With a stable leader, a key disappears from `/lease/kv` and `/lease/timetolive` between ttl
    /// and ttl+1 seconds after its last keepalive (refresh-only keepalives included), and a lease
    /// that is never kept alive disappears between ttl and ttl+1 seconds after its grant. Both are
    /// then gone on every node.
    @Test("Lease keys vanish between ttl and ttl+1 s after the last keepalive; unused leases after ttl")
    func keyAndLeaseExpiry() throws {
        let cluster = try RaftdCluster.shared()
        let leader = try cluster.waitUntilStable()
        let ttl = 2.0
        let base = uniqueName("/timing")
        let kept = try LeaseProbes.grant(leader.httpAddress, name: "\(base)/kept", ttl: Int(ttl))
        // The first keepalive goes through Raft; the later ones, same data, only refresh the countdown.
        var last = try LeaseProbes.keepAlive(leader.httpAddress, id: kept, key: "k", data: "alive")
        for _ in 0..<2 {
            Thread.sleep(forTimeInterval: 0.5)
            last = try LeaseProbes.keepAlive(leader.httpAddress, id: kept, key: "k", data: "alive")
        }
        let grantStart = monotonicSeconds()
        let unused = try LeaseProbes.grant(leader.httpAddress, name: "\(base)/unused", ttl: Int(ttl))
        let grantEnd = monotonicSeconds()

        let address = leader.httpAddress
        let seen = DisappearanceWatch.watch(
            [
                .init(name: "kv") { try LeaseProbes.kvLists(address, key: "k", name: "\(base)/kept", data: "alive") },
                .init(name: "ttl") { try LeaseProbes.timeToLiveLists(address, id: kept, key: "k") },
                .init(name: "unused") { try LeaseProbes.timeToLiveLists(address, id: unused, key: nil) },
            ], timeout: ttl + 4)
        expectVanished(
            seen["kv"], "the key in /lease/kv", notBefore: last.start + ttl, notAfter: last.end + ttl + 1,
            origin: last.end)
        expectVanished(
            seen["ttl"], "the key in /lease/timetolive", notBefore: last.start + ttl, notAfter: last.end + ttl + 1,
            origin: last.end)
        expectVanished(
            seen["unused"], "the never kept-alive lease", notBefore: grantStart + ttl, notAfter: grantEnd + ttl + 1,
            origin: grantEnd)

        // Expiry went through Raft: every node agrees (reads redirect to the leader; stale key reads
        // are not needed for leases).
        for node in cluster.nodes {
            for id in [kept, unused] {
                let ttlAnswer = try HTTPClient.get(node.httpAddress, "/lease/timetolive/\(id)", followRedirects: true)
                expectJSONError(ttlAnswer, 404, "timetolive of expired lease \(id) through \(node.id)")
            }
            let kv = try HTTPClient.get(node.httpAddress, "/lease/kv/k?prefix=\(base)", followRedirects: true)
            #expect(kv.status == 200 && kv.text == "[]", "/lease/kv through \(node.id) after expiry: \(kv)")
        }
        let late = try HTTPClient.postForm(
            leader.httpAddress, "/lease/keepalive/\(kept)", fields: ["key=k", "data=alive"])
        expectJSONError(late, 404, "keepalive of an expired lease")
    }

    /// A lease keeps living while one of its keys is kept alive, even after another key lapsed; the
    /// lapsed key, kept alive again, is live again.
    @Test("A lapsed key leaves the lease alive while another key lives, and revives on keepalive")
    func lapsedKeyRevives() throws {
        let cluster = try RaftdCluster.shared()
        let leader = try cluster.waitUntilStable()
        let ttl = 2.0
        let name = uniqueName("/revive")
        let id = try LeaseProbes.grant(leader.httpAddress, name: name, ttl: Int(ttl))
        try LeaseProbes.keepAlive(leader.httpAddress, id: id, key: "steady", data: "s")
        let lapsing = try LeaseProbes.keepAlive(leader.httpAddress, id: id, key: "lapsing", data: "l")
        // Keep "steady" alive every 0.5 s while watching "lapsing" vanish.
        var lapsedSeen = DisappearanceWatch.Disappearance()
        var lastSteady = monotonicSeconds()
        let deadline = lapsing.end + ttl + 3
        while monotonicSeconds() < deadline && !lapsedSeen.vanished {
            if monotonicSeconds() - lastSteady >= 0.5 {
                try LeaseProbes.keepAlive(leader.httpAddress, id: id, key: "steady", data: "s")
                lastSteady = monotonicSeconds()
            }
            let start = monotonicSeconds()
            let present = try LeaseProbes.kvLists(leader.httpAddress, key: "lapsing", name: name, data: "l")
            if present == true { lapsedSeen.lastSeenStart = start }
            if present == false { lapsedSeen.firstGoneEnd = monotonicSeconds() }
            usleep(100_000)
        }
        expectVanished(
            lapsedSeen, "the lapsing key", notBefore: lapsing.start + ttl, notAfter: lapsing.end + ttl + 1,
            origin: lapsing.end)
        try LeaseProbes.keepAlive(leader.httpAddress, id: id, key: "steady", data: "s")
        #expect(
            try LeaseProbes.timeToLiveLists(leader.httpAddress, id: id, key: "steady") == true, "the lease lives on")
        #expect(try LeaseProbes.kvLists(leader.httpAddress, key: "steady", name: name, data: "s") == true)
        // Kept alive again, the lapsed key counts as live again.
        try LeaseProbes.keepAlive(leader.httpAddress, id: id, key: "lapsing", data: "l2")
        #expect(try LeaseProbes.kvLists(leader.httpAddress, key: "lapsing", name: name, data: "l2") == true)
        #expect(try LeaseProbes.timeToLiveLists(leader.httpAddress, id: id, key: "lapsing") == true)
        #expect(try HTTPClient.send("POST", leader.httpAddress, "/lease/revoke/\(id)").status == 200)
    }

    /// A revoked lease is gone everywhere: every lease route answers 404 (or no data) through every
    /// node.
    @Test("A revoked lease is 404 on every node")
    func revokedLeaseIsGoneEverywhere() throws {
        let cluster = try RaftdCluster.shared()
        let leader = try cluster.waitUntilStable()
        let name = uniqueName("/revoked")
        let id = try LeaseProbes.grant(leader.httpAddress, name: name, ttl: 60)
        try LeaseProbes.keepAlive(leader.httpAddress, id: id, key: "k", data: "d")
        let revoke = try HTTPClient.send("POST", leader.httpAddress, "/lease/revoke/\(id)")
        #expect(revoke.status == 200 && revoke.text == "null", "\(revoke)")
        for node in cluster.nodes {
            let address = node.httpAddress
            expectJSONError(
                try HTTPClient.get(address, "/lease/timetolive/\(id)", followRedirects: true), 404,
                "GET timetolive through \(node.id)")
            expectJSONError(
                try HTTPClient.send("POST", address, "/lease/timetolive/\(id)", followRedirects: true), 404,
                "POST timetolive through \(node.id)")
            expectJSONError(
                try HTTPClient.postForm(
                    address, "/lease/keepalive/\(id)", fields: ["key=k", "data=d"], followRedirects: true), 404,
                "keepalive through \(node.id)")
            expectJSONError(
                try HTTPClient.send("POST", address, "/lease/revoke/\(id)", followRedirects: true), 404,
                "revoke again through \(node.id)")
            let kv = try HTTPClient.postForm(address, "/lease/kv/k", fields: ["prefix=\(name)"], followRedirects: true)
            #expect(kv.status == 200 && kv.text == "[]", "\(kv)")
            let list = try HTTPClient.get(address, "/lease/list", followRedirects: true)
            #expect(list.status == 200, "\(list)")
            let ids = ((list.json as? [[String: Any]]) ?? []).compactMap { ($0["id"] as? NSNumber)?.uint64Value }
            #expect(!ids.contains(id), "/lease/list through \(node.id) still lists the revoked lease: \(list)")
        }
    }
}

extension ClusterTests.StableClusterTests {
    /// A keepalive that only refreshes (same key, same data) restarts the countdown on the leader
    /// without a Raft entry; one that changes the data is replicated.
    @Test("Refresh-only keepalives add no Raft entry; a keepalive with new data does")
    func refreshKeepalivesAreFree() throws {
        let cluster = try RaftdCluster.shared()
        let leader = try cluster.waitUntilStable()
        let id = try LeaseProbes.grant(leader.httpAddress, name: uniqueName("/refresh"), ttl: 30)
        try LeaseProbes.keepAlive(leader.httpAddress, id: id, key: "k", data: "same")
        let before = try cluster.status(leader).commitIndex
        for _ in 0..<20 { try LeaseProbes.keepAlive(leader.httpAddress, id: id, key: "k", data: "same") }
        let afterRefreshes = try cluster.status(leader).commitIndex
        #expect(
            afterRefreshes == before, "20 refresh-only keepalives moved the commit index \(before) → \(afterRefreshes)")
        try LeaseProbes.keepAlive(leader.httpAddress, id: id, key: "k", data: "changed")
        let afterChange = try cluster.status(leader).commitIndex
        #expect(afterChange > afterRefreshes, "a keepalive with new data must be replicated")
        #expect(try HTTPClient.send("POST", leader.httpAddress, "/lease/revoke/\(id)").status == 200)
    }
}
