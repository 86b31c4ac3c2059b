import Foundation
import Testing

extension ClusterTests {
    /// Nodes started together (a script, a container orchestrator) all join.
    @Suite("Joining")
    struct JoinTests {
        /// The seed README's three command lines run back to back (as a script would): node02 and
        /// node03 ask node01 to admit them while it is still electing itself, and then retry at the
        /// same moments. Both must end up voters, whatever order the leader gets their requests in.
        @Test("Three nodes started back to back all become voters")
        func simultaneousJoins() async throws {
            try await RaftdCluster.with(name: "joins", nodes: 0) { cluster in
                let first = try cluster.addNode("node01", join: nil)
                try cluster.addNode("node02", join: first)
                try cluster.addNode("node03", join: first)
                try cluster.waitUntilStable(voters: 3, timeout: 15)
            }
        }
    }
}
