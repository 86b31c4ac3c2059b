import Foundation
import Testing

extension ClusterTests {
    /// Snapshots carry the whole state: a node that joins after the log was compacted catches up
    /// from a snapshot, and nodes restarted after a snapshot come back with the same data and the
    /// same view of the cluster (the seed corrupted both).
    ///
    /// The suite's cluster takes 20k writes once (whichever test runs first), then a fourth node
    /// joins; each test then checks one way of coming back.
    @Suite("Snapshots", .sharedCluster(nodes: 3))
    struct SnapshotTests {
        /// Writes before the fourth node joins: twice the default snapshot interval (10,000 entries),
        /// so every node has snapshotted and the leader compacted its log behind the snapshot.
        static let writes = 20_000

        /// What the shared setup leaves: the seed of the values and the leader's applied index once
        /// node04 was a voter.
        struct Prepared: Sendable {
            var seed: UInt64
            var appliedIndex: UInt64
            var context: String { "seed \(seed) (replay with SERVER_TEST_SEED=\(seed))" }
        }

        /// The value of key `index`: short, and different for every key and seed.
        static func value(_ index: Int, seed: UInt64) -> [UInt8] {
            Array("v\(index)-\(seed &* 0x9E37_79B9 &+ UInt64(index) &* 2_654_435_761)".utf8)
        }

        /// The keys checked on each node: every 97th, the first and the last 20.
        static var sample: [Int] {
            Array(Set(Array(stride(from: 0, to: writes, by: 97)) + Array(0..<20) + Array(writes - 20..<writes)))
                .sorted()
        }

        /// 20k concurrent writes, a snapshot on the leader, then node04 joining through a follower
        /// (which redirects the join to the leader) and becoming a voter.
        static func prepare(_ cluster: RaftdCluster) throws -> Prepared {
            try cluster.memo("snapshots.prepared") {
                let seed = testSeed(default: 5_005)
                let leader = try cluster.waitUntilStable()
                let outcome = BulkWriter.write(count: writes, workers: 32, to: leader.httpAddress) { index in
                    ("/key/snap/\(index)", value(index, seed: seed))
                }
                print("snapshot tests: \(outcome.acknowledged) writes in \(String(format: "%.1f", outcome.seconds)) s")
                guard outcome.acknowledged == writes else {
                    throw ClusterError(
                        "only \(outcome.acknowledged) of \(writes) writes acknowledged: \(outcome.failures)")
                }
                // The leader's newest snapshot must cover the writes, so that node04 gets one near
                // the end of the log (and its own log starts right after it). Where the snapshots fall
                // depends on batching, so a few filler writes may be needed to cross the next one.
                var fillers = 0
                while !snapshotIndexes(in: leader.logTail(1_000)).contains(where: { $0 >= UInt64(writes) }) {
                    guard fillers < writes else {
                        throw ClusterError("no snapshot past \(writes) after \(fillers) filler writes")
                    }
                    let first = fillers
                    let filler = BulkWriter.write(count: 500, workers: 16, to: leader.httpAddress) { index in
                        ("/key/snap-filler/\(first + index)", [1])
                    }
                    guard filler.acknowledged == 500 else { throw ClusterError("filler writes: \(filler.failures)") }
                    fillers += 500
                    Thread.sleep(forTimeInterval: 0.2)
                }
                let follower = try #require(cluster.followers(of: leader).first)
                try cluster.addNode("node04", join: follower)
                let leaderNow = try cluster.waitUntilStable(voters: 4, timeout: 60)
                return Prepared(seed: seed, appliedIndex: try cluster.status(leaderNow).appliedIndex)
            }
        }

        /// The indexes of the "took a snapshot at N" lines of a node's log.
        static func snapshotIndexes(in log: String) -> [UInt64] {
            log.split(separator: "\n").compactMap { line in
                guard let range = line.range(of: "took a snapshot at ") else { return nil }
                return UInt64(line[range.upperBound...].prefix { $0.isNumber })
            }
        }

        @Test("A node joining after 20k writes catches up through a snapshot and serves identical data")
        func joinerCatchesUpFromSnapshot() throws {
            let cluster = try RaftdCluster.shared()
            try cluster.restartStopped()
            let prepared = try Self.prepare(cluster)
            let node04 = try cluster.node("node04")
            #expect(
                node04.logTail(1_000).contains("installed the snapshot at"),
                "node04 should have caught up through a snapshot, not the log; \(prepared.context)")
            #expect(Self.caughtUp(node04, to: prepared.appliedIndex, in: cluster))
            try Self.expectSameData(on: node04, prepared: prepared)
        }

        @Test("A follower killed after its own snapshot restarts with identical data")
        func followerRestartsAfterSnapshot() throws {
            let cluster = try RaftdCluster.shared()
            try cluster.restartStopped()
            let prepared = try Self.prepare(cluster)
            let leader = try cluster.currentLeader()
            let follower = try #require(cluster.followers(of: leader).first { $0.id != "node04" })
            try follower.restart(after: SIGKILL)
            #expect(Self.caughtUp(follower, to: prepared.appliedIndex, in: cluster))
            try Self.expectSameData(on: follower, prepared: prepared)
            Self.expectAllVoters(on: follower, in: cluster)
            try Self.expectWriteSeenEverywhere(cluster)
        }

        /// node04's Raft log starts right after the snapshot it installed; a restart must keep that
        /// log (the entries that made it a voter, and everything it acknowledged since).
        @Test("A node restarted after installing a snapshot keeps its log, its membership and catches up")
        func snapshotInstalledNodeRestarts() throws {
            let cluster = try RaftdCluster.shared()
            try cluster.restartStopped()
            let prepared = try Self.prepare(cluster)
            let node04 = try cluster.node("node04")
            try node04.restart(after: SIGTERM)
            try Self.expectSameData(on: node04, prepared: prepared)
            // Before any new write (which would make the leader repair a lost log tail):
            Self.expectAllVoters(on: node04, in: cluster)
            #expect(
                Self.caughtUp(node04, to: prepared.appliedIndex, in: cluster),
                "node04, restarted after installing a snapshot, does not catch up with the leader")
            try Self.expectWriteSeenEverywhere(cluster)
        }

        // MARK: Checks

        /// Whether `node` reaches an applied index of at least `index` and of the leader's (within 20 s).
        static func caughtUp(_ node: RaftdProcess, to index: UInt64, in cluster: RaftdCluster) -> Bool {
            do {
                try poll("\(node.id) to apply up to the leader's index", timeout: 20, interval: 0.2) {
                    lastSeen -> Bool? in
                    let leader = try cluster.currentLeader(timeout: 10)
                    let mine = try cluster.status(node)
                    let theirs = try cluster.status(leader)
                    lastSeen = "\(node.id) applied \(mine.appliedIndex), leader \(leader.id) \(theirs.appliedIndex)"
                    return mine.appliedIndex >= index && mine.appliedIndex >= theirs.appliedIndex ? true : nil
                }
                return true
            } catch {
                Issue.record("\(error)")
                return false
            }
        }

        /// `node` lists the four voters (within 15 s).
        static func expectAllVoters(on node: RaftdProcess, in cluster: RaftdCluster) {
            let expected = ["node01", "node02", "node03", "node04"]
            let voters = try? poll("\(node.id) to list the four voters", timeout: 15) { lastSeen -> [String]? in
                let voters = try cluster.status(node).voters
                lastSeen = "\(voters)"
                return voters == expected ? voters : nil
            }
            let seen = (try? cluster.status(node))?.voters ?? []
            #expect(voters == expected, "\(node.id), restarted after a snapshot, lists the voters \(seen)")
        }

        /// Stale reads of the sample keys on `node` return exactly what was written; a key never
        /// written is 404.
        static func expectSameData(on node: RaftdProcess, prepared: Prepared) throws {
            let connection = HTTPConnection(address: node.httpAddress)
            // The node answers once it is up; its data is on disk by then.
            try poll("\(node.id) to answer", timeout: 20) { _ -> Bool? in
                try connection.request("GET", "/status").status == 200 ? true : nil
            }
            var wrong: [String] = []
            for index in sample {
                let response = try connection.request("GET", "/key/snap/\(index)?level=stale")
                if response.status != 200 || response.body != value(index, seed: prepared.seed) {
                    wrong.append("snap/\(index): \(response)")
                }
            }
            #expect(
                wrong.isEmpty,
                "\(node.id) serves \(wrong.count) wrong keys, first: \(wrong.prefix(3)); \(prepared.context)")
            let missing = try connection.request("GET", "/key/snap/\(writes)?level=stale")
            #expect(missing.status == 404, "\(node.id): a key never written: \(missing)")
        }

        /// A new write through the leader reaches every node.
        static func expectWriteSeenEverywhere(_ cluster: RaftdCluster) throws {
            let leader = try cluster.currentLeader()
            let key = "/key/\(uniqueName("snap-after"))"
            let put = try HTTPClient.put(leader.httpAddress, key, body: Array("after".utf8))
            #expect(put.status == 200, "\(put)")
            for node in cluster.nodes {
                let read = try? poll("\(node.id) to see a new write", timeout: 15) { lastSeen -> HTTPResponse? in
                    let response = try HTTPClient.get(node.httpAddress, key + "?level=stale")
                    lastSeen = "\(response)"
                    return response.status == 200 ? response : nil
                }
                #expect(read?.text == "after", "\(node.id) does not see a new write")
            }
        }
    }
}
