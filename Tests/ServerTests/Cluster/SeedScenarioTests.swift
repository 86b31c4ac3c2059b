import Foundation
import Testing

extension ClusterTests.StableClusterTests {
    /// The seed README's usage, line by line, against the shared cluster (started with the README's
    /// three command lines, ports aside): a binary file in and out, then two services granting
    /// leases, keeping them alive with the README's exact form bodies, and being discovered.
    @Test("The seed README's scenario: binary PUT/GET, two services' leases, /lease/kv/nodeinfo")
    func seedScenario() throws {
        let cluster = try RaftdCluster.shared()
        let seed = testSeed(default: 5_001)
        let context = "seed \(seed) (replay with SERVER_TEST_SEED=\(seed))"
        let node01 = try cluster.node("node01")
        #expect(try cluster.status(node01).state == "leader", "node01 bootstrapped and should lead")

        // curl -X PUT 127.0.0.1:8001/key/test -T ./test.png
        let file = seededBytes(300 * 1024 + 17, seed: seed)
        let put = try HTTPClient.put(node01.httpAddress, "/key/test", body: file)
        #expect(put.status == 200, "PUT /key/test: \(put), \(context)")

        // curl 127.0.0.1:8001/key/test --output 1.png
        let get = try HTTPClient.get(node01.httpAddress, "/key/test")
        #expect(get.status == 200, "GET /key/test: \(get)")
        #expect(
            get.body == file, "GET /key/test returned \(get.body.count) bytes, not the \(file.count) put; \(context)")
        // Every node holds the same bytes (stale reads answer from the local copy).
        for node in cluster.nodes {
            let copy = try poll("\(node.id) to hold /key/test", timeout: 10) { lastSeen -> [UInt8]? in
                let response = try HTTPClient.get(node.httpAddress, "/key/test?level=stale")
                lastSeen = "\(response)"
                return response.status == 200 ? response.body : nil
            }
            #expect(copy == file, "\(node.id) holds different bytes for /key/test; \(context)")
        }

        // Service 1 and service 2, each granting a lease and keeping it alive.
        let services = [
            (
                name: "/esq/node-1", key: "nodeinfo",
                data: #"{"http_addr":"127.0.0.1:9001","tcp_addr":"127.0.0.1:9002","node_id":1,"weight":1}"#
            ),
            (
                name: "/esq/node-2", key: "nodeinfo1",
                data: #"{"http_addr":"127.0.0.1:9003","tcp_addr":"127.0.0.1:9004","node_id":2,"weight":2}"#
            ),
        ]
        var ids: [UInt64] = []
        for service in services {
            // ID=$(curl -s -XPOST 127.0.0.1:8001/lease/grant\?ttl=10\&name=/esq/node-1)
            let grant = try HTTPClient.send("POST", node01.httpAddress, "/lease/grant?ttl=10&name=\(service.name)")
            let id = try #require(leaseID(of: grant), "grant must answer a bare decimal id: \(grant)")
            ids.append(id)
        }
        #expect(ids[0] != ids[1], "two grants returned the same lease id \(ids[0])")
        // while true; do curl -XPOST .../lease/keepalive/$ID -d 'key=nodeinfo' -d 'data={...}'; sleep 3; done
        // (three rounds, a second apart: the rounds after the first only refresh).
        for round in 0..<3 {
            if round > 0 { Thread.sleep(forTimeInterval: 1) }
            for (service, id) in zip(services, ids) {
                let keepalive = try HTTPClient.postForm(
                    node01.httpAddress, "/lease/keepalive/\(id)",
                    fields: ["key=\(service.key)", "data=\(service.data)"])
                #expect(keepalive.status == 200, "keepalive \(service.name) round \(round): \(keepalive)")
                #expect(keepalive.text == "null", "keepalive answers null: \(keepalive)")
            }
        }

        // curl -s -XPOST 127.0.0.1:8001/lease/kv/nodeinfo -d 'prefix=/esq/node'
        let expected = services.compactMap { canonicalJSON(text: $0.data) }.sorted()
        let kv = try HTTPClient.postForm(node01.httpAddress, "/lease/kv/nodeinfo", fields: ["prefix=/esq/node"])
        #expect(kv.status == 200, "\(kv)")
        #expect(kv.header("Content-Type")?.hasPrefix("application/json") == true, "\(kv)")
        #expect(
            canonicalElements(kv) == expected,
            "/lease/kv/nodeinfo must return both services' data as JSON objects (nodeinfo1 starts with nodeinfo): \(kv)"
        )
        // The same through GET with a query, and through a follower with the redirect followed.
        for node in cluster.nodes {
            let viaGet = try HTTPClient.get(
                node.httpAddress, "/lease/kv/nodeinfo?prefix=/esq/node", followRedirects: true)
            #expect(canonicalElements(viaGet) == expected, "GET /lease/kv on \(node.id): \(viaGet)")
        }
        // Narrower prefixes pick one service each.
        let onlyFirst = try HTTPClient.postForm(
            node01.httpAddress, "/lease/kv/nodeinfo", fields: ["prefix=/esq/node-1"])
        #expect(
            canonicalElements(onlyFirst) == services.prefix(1).compactMap { canonicalJSON(text: $0.data) },
            "\(onlyFirst)")
        let onlySecond = try HTTPClient.postForm(
            node01.httpAddress, "/lease/kv/nodeinfo1", fields: ["prefix=/esq/node"])
        #expect(
            canonicalElements(onlySecond) == services.suffix(1).compactMap { canonicalJSON(text: $0.data) },
            "\(onlySecond)")
        let none = try HTTPClient.postForm(node01.httpAddress, "/lease/kv/nodeinfo", fields: ["prefix=/esq/nobody"])
        #expect(none.status == 200 && canonicalElements(none) == [], "\(none)")

        // The lease's TimeToLive, as API.md documents it.
        let ttl = try HTTPClient.get(node01.httpAddress, "/lease/timetolive/\(ids[0])")
        #expect(ttl.status == 200, "\(ttl)")
        let object = ttl.json as? [String: Any]
        #expect((object?["id"] as? NSNumber)?.uint64Value == ids[0], "\(ttl)")
        #expect(object?["name"] as? String == "/esq/node-1", "\(ttl)")
        #expect((object?["ttl"] as? NSNumber)?.intValue == 10, "\(ttl)")
        #expect(object?["state"] as? String == "ALIVE", "\(ttl)")
        let remaining = (object?["remaining"] as? NSNumber)?.intValue ?? -1
        #expect((8...10).contains(remaining), "remaining \(remaining) right after a keepalive of a 10 s lease: \(ttl)")
        let keys = object?["keys"] as? [[String: Any]]
        #expect(keys?.map { $0["key"] as? String } == ["nodeinfo"], "\(ttl)")

        // A data that is not JSON is embedded as a JSON string.
        let plainName = uniqueName("/plain")
        let plain = try #require(
            leaseID(of: try HTTPClient.send("POST", node01.httpAddress, "/lease/grant?ttl=10&name=\(plainName)")))
        let plainKeepalive = try HTTPClient.postForm(
            node01.httpAddress, "/lease/keepalive/\(plain)", fields: ["key=nodeinfo", "data=not json {"])
        #expect(plainKeepalive.status == 200, "\(plainKeepalive)")
        let plainKV = try HTTPClient.postForm(node01.httpAddress, "/lease/kv/nodeinfo", fields: ["prefix=\(plainName)"])
        #expect(plainKV.text == #"["not json {"]"#, "non-JSON data comes back as a JSON string: \(plainKV)")

        for id in ids + [plain] {
            let revoke = try HTTPClient.send("POST", node01.httpAddress, "/lease/revoke/\(id)")
            #expect(revoke.status == 200 && revoke.text == "null", "revoke \(id): \(revoke)")
        }
        let afterRevoke = try HTTPClient.postForm(
            node01.httpAddress, "/lease/kv/nodeinfo", fields: ["prefix=/esq/node"])
        #expect(canonicalElements(afterRevoke) == [], "revoked leases' data is gone: \(afterRevoke)")
    }
}
