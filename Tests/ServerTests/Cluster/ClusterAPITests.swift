import Foundation
import Testing

extension ClusterTests.StableClusterTests {
    /// `/status` on every node describes the same cluster; re-joining with the same id and
    /// addresses is 200 and changes nothing (a follower redirects it to the leader); `/metrics` is
    /// Prometheus text on every node.
    @Test("/status agrees on every node, a repeated /join changes nothing, /metrics is Prometheus text")
    func clusterRoutes() throws {
        let cluster = try RaftdCluster.shared()
        let leader = try cluster.waitUntilStable()
        let before = try cluster.status(leader)
        for node in cluster.nodes {
            let status = try cluster.status(node)
            #expect(status.id == node.id)
            #expect(status.leader == leader.id && status.leaderAddr == leader.httpAddress, "\(node.id): \(status)")
            #expect(status.state == (node.id == leader.id ? "leader" : "follower"), "\(node.id): \(status)")
            for member in cluster.nodes {
                let listed = status.members.first { $0.id == member.id }
                #expect(
                    listed?.httpAddr == member.httpAddress && listed?.raftAddr == member.raftAddress
                        && listed?.role == "voter",
                    "\(node.id) lists \(member.id) as \(String(describing: listed))")
            }
        }

        let follower = try #require(cluster.followers(of: leader).first)
        let body = Array(
            #"{"id":"\#(follower.id)","httpAddr":"\#(follower.httpAddress)","raftAddr":"\#(follower.raftAddress)"}"#
                .utf8)
        let headers = [("Content-Type", "application/json")]
        let again = try HTTPClient.send("POST", leader.httpAddress, "/join", body: body, headers: headers)
        #expect(again.status == 200, "re-joining with the same id and addresses: \(again)")
        let viaFollower = try HTTPClient.send("POST", follower.httpAddress, "/join", body: body, headers: headers)
        #expect(viaFollower.status == 307, "\(viaFollower)")
        #expect(viaFollower.header("Location") == "http://\(leader.httpAddress)/join", "\(viaFollower)")
        let after = try cluster.status(leader)
        #expect(after.term == before.term, "a repeated join must not disturb the leader: \(after)")
        #expect(
            after.members.map { "\($0.id) \($0.raftAddr) \($0.role)" }.sorted()
                == before.members.map { "\($0.id) \($0.raftAddr) \($0.role)" }.sorted(),
            "a repeated join changed the membership: \(before.members) → \(after.members)")

        var leaders = 0
        for node in cluster.nodes {
            let metrics = try HTTPClient.get(node.httpAddress, "/metrics")
            #expect(metrics.status == 200, "\(metrics)")
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true, "\(metrics)")
            let lines = metrics.text.split(separator: "\n")
            for name in ["raftd_raft_term", "raftd_raft_commit_index", "raftd_raft_applied_index", "raftd_leases_live"]
            {
                #expect(lines.contains { $0.hasPrefix(name + " ") }, "\(node.id) /metrics lacks \(name)")
            }
            #expect(lines.contains { $0.hasPrefix("# TYPE ") }, "\(node.id) /metrics is not Prometheus text")
            if lines.contains(where: { $0 == "raftd_raft_is_leader 1" || $0 == "raftd_raft_is_leader 1.0" }) {
                leaders += 1
            }
        }
        #expect(leaders == 1, "exactly one node reports raftd_raft_is_leader 1")
    }
}
