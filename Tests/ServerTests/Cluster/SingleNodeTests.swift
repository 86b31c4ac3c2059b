import Foundation
import Testing

extension ClusterTests {
    /// `raftd` given only a data directory and its ports is a working single-node database.
    @Suite("Single node")
    struct SingleNodeTests {
        @Test("raftd with only ports and a data directory bootstraps a one-node database: PUT then GET")
        func singleNodeDatabase() async throws {
            try await RaftdCluster.with(name: "single", nodes: 0) { cluster in
                let ports = try FreePorts.pick(2)
                let node = RaftdProcess(
                    id: "node01", httpAddress: "127.0.0.1:\(ports[0])", raftAddress: "127.0.0.1:\(ports[1])",
                    join: nil, dataDirectory: "\(cluster.directory)/data", logPath: "\(cluster.directory)/node01.log",
                    // No -id, no -join, no -bind: only where to listen and where to keep the data.
                    arguments: ["--haddr", "127.0.0.1:\(ports[0])", "--raddr", "127.0.0.1:\(ports[1])", "data"])
                try node.start()
                defer { node.kill() }
                let put = try poll("the single node to accept a PUT", timeout: 20) { lastSeen -> HTTPResponse? in
                    let response = try HTTPClient.put(node.httpAddress, "/key/hello", body: Array("world".utf8))
                    lastSeen = "\(response)"
                    return response.status == 200 ? response : nil
                }
                #expect(put.status == 200)
                let get = try HTTPClient.get(node.httpAddress, "/key/hello")
                #expect(get.status == 200, "\(get)")
                #expect(get.text == "world", "\(get)")
                let status = try cluster.status(node)
                #expect(status.id == "node01", "the default id: \(status)")
                #expect(status.state == "leader", "\(status)")
                #expect(status.voters.count == 1, "\(status)")
            }
        }
    }
}
