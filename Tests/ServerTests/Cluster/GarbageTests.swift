import Foundation
import Testing

extension ClusterTests {
    /// Bytes that are no protocol at all, on the Raft and HTTP ports. A cluster of its own: a frame
    /// of random bytes may decode as a Raft message with a higher term and cost the leader its
    /// term, which Raft allows but the stable-leader suite must not see.
    @Suite("Garbage on the ports", .sharedCluster(nodes: 3))
    struct GarbageTests {
        /// Garbage written straight to every node's Raft port, and to its HTTP port, does not bring any
        /// node down: the cluster keeps a leader and its voters, and writes and reads still work.
        @Test("Garbage bytes on the Raft and HTTP ports leave every node up")
        func garbageOnThePorts() throws {
            let cluster = try RaftdCluster.shared()
            try cluster.waitUntilStable()
            let seed = testSeed(default: 5_007)
            // Raft transport frames (doc/raft_transport.md): fixed32 length (little-endian) | version 1 | payload.
            func frame(_ payload: [UInt8]) -> [UInt8] {
                withUnsafeBytes(of: UInt32(payload.count + 1).littleEndian) { Array($0) } + [1] + payload
            }
            let handshake = frame(
                Array("RFTH".utf8) + withUnsafeBytes(of: UInt64(0xDEAD_BEEF).littleEndian) { Array($0) })
            var random = SeededGenerator(seed: seed)
            var framedGarbage = handshake
            for index in 0..<50 {
                let bytes = seededBytes(Int.random(in: 1...300, using: &random), seed: seed &+ UInt64(index))
                // Half of them start like a Raft message (doc/raft_wire_format.md: version 1, a kind 1...10)
                // so that the decoder gets past its first checks.
                framedGarbage += frame(index % 2 == 0 ? [1, UInt8(index / 2 % 10 + 1)] + bytes : bytes)
            }
            let payloads: [[UInt8]] = [
                seededBytes(64 << 10, seed: seed),
                // Length fields claiming huge frames, then nothing.
                [UInt8](repeating: 0xFF, count: 64),
                [0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01] + seededBytes(100, seed: seed &+ 1),
                // A zero length, a wrong version, a bad handshake.
                [0, 0, 0, 0, 1],
                [4, 0, 0, 0, 2, 9, 9, 9],
                frame(Array("NOPE".utf8) + [UInt8](repeating: 0, count: 8)),
                // A handshake from a node nobody knows, then frames of random bytes: the Raft message
                // decoder has to refuse each.
                framedGarbage,
                // A frame cut short by the connection closing.
                Array(handshake) + [200, 0, 0, 0, 1, 2, 3],
                Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
                [],
            ]
            for node in cluster.nodes {
                for payload in payloads {
                    try RawSocket.deliver(payload, to: node.raftAddress)
                    try RawSocket.deliver(payload, to: node.httpAddress)
                }
            }
            // Give the nodes a moment to chew on it, then check they all still work.
            Thread.sleep(forTimeInterval: 0.5)
            for node in cluster.nodes {
                #expect(node.isRunning, "\(node.id) died from garbage on its ports")
            }
            // (A frame of random bytes may decode as a message with a higher term, which Raft obeys by
            // electing again; that is allowed. Staying up and serving is what is checked.)
            let leader = try cluster.waitUntilStable(timeout: 15)
            let key = "/key/\(uniqueName("after-garbage"))"
            let put = try HTTPClient.put(leader.httpAddress, key, body: Array("still up".utf8))
            #expect(put.status == 200, "\(put)")
            for node in cluster.nodes {
                let read = try poll("\(node.id) to serve a read after the garbage", timeout: 10) {
                    lastSeen -> HTTPResponse? in
                    let response = try HTTPClient.get(node.httpAddress, key + "?level=stale")
                    lastSeen = "\(response)"
                    return response.status == 200 ? response : nil
                }
                #expect(read.text == "still up")
            }
        }
    }
}
