import Foundation
import Testing

extension ClusterTests {
    /// The leader dies (SIGKILL) and the cluster carries on: a new leader within the deadline, no
    /// acknowledged write lost, leases still expiring, the old leader back with its data. Each test
    /// restarts the node it killed, so the next one finds three nodes.
    @Suite("Failover", .sharedCluster(nodes: 3))
    struct FailoverTests {
        @Test(
            "SIGKILL of the leader under writes: new leader within 5 s, no acknowledged write lost, old leader catches up"
        )
        func leaderKilledUnderWrites() throws {
            let cluster = try RaftdCluster.shared()
            try cluster.restartStopped()
            let leader = try cluster.waitUntilStable()
            let others = cluster.followers(of: leader)
            let prefix = uniqueName("failover")
            let writer = FailoverWriter(addresses: [leader.httpAddress] + others.map(\.httpAddress), prefix: prefix)
            writer.start()
            defer { writer.stop() }
            try poll("50 writes acknowledged before the kill", timeout: 20) { lastSeen -> Bool? in
                lastSeen = "\(writer.acknowledged.count) acknowledged"
                return writer.acknowledged.count >= 50 ? true : nil
            }
            let killedAt = monotonicSeconds()
            leader.kill(SIGKILL)
            let firstAfter = try poll("a write acknowledged by a new leader", timeout: 20) { lastSeen -> Double? in
                let acks = writer.acknowledged
                lastSeen = "\(acks.count) acknowledged, last by \(acks.last?.address ?? "none")"
                return acks.first { $0.time > killedAt && $0.address != leader.httpAddress }?.time
            }
            #expect(
                firstAfter - killedAt <= 5,
                "the first write after the kill was acknowledged \(firstAfter - killedAt) s after it (deadline 5 s)")
            try poll("50 more writes on the new leader", timeout: 20) { _ -> Bool? in
                writer.acknowledged.filter { $0.time > firstAfter }.count >= 50 ? true : nil
            }
            writer.stop()
            let acks = writer.acknowledged
            print(
                "failover: a new leader acknowledged a write \(String(format: "%.2f", firstAfter - killedAt)) s after "
                    + "the kill; \(acks.count) writes acknowledged")

            // Every acknowledged write is there, read linearizably from the new leader.
            let newLeader = try cluster.currentLeader()
            #expect(newLeader.id != leader.id)
            let connection = HTTPConnection(address: newLeader.httpAddress)
            var lost: [Int] = []
            for ack in acks {
                let read = try connection.request("GET", writer.target(ack.index) + "?level=consistent")
                if read.status != 200 || read.body != FailoverWriter.value(ack.index) { lost.append(ack.index) }
            }
            #expect(lost.isEmpty, "\(lost.count) of \(acks.count) acknowledged writes lost: \(lost.prefix(20))")

            // The old leader restarts with its data directory and catches up: its stale read of the
            // last acknowledged write returns it.
            try leader.start()
            let last = try #require(acks.last)
            let caughtUp = try poll("\(leader.id) to catch up after its restart", timeout: 30) {
                lastSeen -> HTTPResponse? in
                let read = try HTTPClient.get(leader.httpAddress, writer.target(last.index) + "?level=stale")
                lastSeen = "\(read)"
                return read.status == 200 ? read : nil
            }
            #expect(caughtUp.body == FailoverWriter.value(last.index))
            let restarted = HTTPConnection(address: leader.httpAddress)
            var missing: [Int] = []
            for ack in acks {
                let read = try restarted.request("GET", writer.target(ack.index) + "?level=stale")
                if read.status != 200 || read.body != FailoverWriter.value(ack.index) { missing.append(ack.index) }
            }
            #expect(missing.isEmpty, "the restarted \(leader.id) lacks \(missing.count) writes: \(missing.prefix(20))")
            try cluster.waitUntilStable()
        }

        /// The leader keeps lease time; when it dies after a key's last keepalive, the new leader
        /// restarts the countdown at the full ttl: the key lives at least ttl seconds and is gone
        /// within 2×ttl+1 seconds of that keepalive, on every node.
        @Test("A lease key still vanishes after its leader is killed: not before ttl, within 2×ttl+1 s")
        func leaseExpiresAfterLeaderKill() throws {
            let cluster = try RaftdCluster.shared()
            try cluster.restartStopped()
            let leader = try cluster.waitUntilStable()
            let ttl = 3.0
            let name = uniqueName("/failover-lease")
            let id = try LeaseProbes.grant(leader.httpAddress, name: name, ttl: Int(ttl))
            try LeaseProbes.keepAlive(leader.httpAddress, id: id, key: "k", data: "alive")
            Thread.sleep(forTimeInterval: 0.3)
            // A refresh-only keepalive (same data), then the leader dies at once.
            let last = try LeaseProbes.keepAlive(leader.httpAddress, id: id, key: "k", data: "alive")
            leader.kill(SIGKILL)

            let survivors = cluster.runningNodes.map(\.httpAddress)
            /// The first answer any surviving node gives (redirects followed), or `nil`.
            func ask(_ probe: (String) throws -> Bool?) -> Bool? {
                for address in survivors {
                    if let answer = (try? probe(address)) ?? nil { return answer }
                }
                return nil
            }
            let seen = DisappearanceWatch.watch(
                [
                    .init(name: "kv") {
                        ask { try LeaseProbes.kvLists($0, key: "k", name: name, data: "alive") }
                    },
                    .init(name: "ttl") { ask { try LeaseProbes.timeToLiveLists($0, id: id, key: "k") } },
                ], timeout: 2 * ttl + 4)
            expectVanished(
                seen["kv"], "the key in /lease/kv", notBefore: last.start + ttl, notAfter: last.end + 2 * ttl + 1,
                origin: last.end)
            expectVanished(
                seen["ttl"], "the key in /lease/timetolive", notBefore: last.start + ttl,
                notAfter: last.end + 2 * ttl + 1, origin: last.end)

            try leader.start()
            try cluster.waitUntilStable()
            for node in cluster.nodes {
                let answer = try HTTPClient.get(node.httpAddress, "/lease/timetolive/\(id)", followRedirects: true)
                expectJSONError(answer, 404, "the expired lease through \(node.id), the old leader back")
            }
        }

        /// SIGTERM shuts a leader down cleanly: it hands leadership over first (so a new leader serves
        /// at once, without waiting for an election timeout), exits with status 0, and comes back.
        @Test("SIGTERM of the leader hands leadership over and exits cleanly")
        func leaderTerminatedCleanly() throws {
            let cluster = try RaftdCluster.shared()
            try cluster.restartStopped()
            let leader = try cluster.waitUntilStable()
            let key = "/key/\(uniqueName("sigterm"))"
            #expect(try HTTPClient.put(leader.httpAddress, key, body: Array("before".utf8)).status == 200)
            let stoppedAt = monotonicSeconds()
            leader.kill(SIGTERM)
            #expect(leader.lastExitStatus == 0, "raftd exited with \(String(describing: leader.lastExitStatus))")
            #expect(leader.logTail(20).contains("stopped"), "no clean shutdown in the log")
            let newLeader = try cluster.currentLeader(timeout: 10)
            let put = try poll("a write on the new leader", timeout: 10) { lastSeen -> Double? in
                let response = try HTTPClient.put(newLeader.httpAddress, key, body: Array("after".utf8))
                lastSeen = "\(response)"
                return response.status == 200 ? monotonicSeconds() : nil
            }
            print("sigterm: a new leader took a write \(String(format: "%.2f", put - stoppedAt)) s after the SIGTERM")
            #expect(put - stoppedAt <= 5, "the new leader served \(put - stoppedAt) s after the SIGTERM")
            try leader.start()
            try cluster.waitUntilStable()
            let read = try poll("\(leader.id) to catch up", timeout: 20) { lastSeen -> HTTPResponse? in
                let response = try HTTPClient.get(leader.httpAddress, key + "?level=stale")
                lastSeen = "\(response)"
                return response.status == 200 && response.text == "after" ? response : nil
            }
            #expect(read.text == "after")
        }
    }
}
