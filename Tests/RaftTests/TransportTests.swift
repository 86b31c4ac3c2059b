import Foundation
import Raft
import RaftTransport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What a test transport received and logged, for the test to wait on.
final class TransportInbox: Sendable {
    private let messages = Mutex<[(from: NodeID, payload: [UInt8])]>([])
    private let logLines = Mutex<[String]>([])

    var handler: RaftMessageHandler {
        { from, payload in self.messages.withLock { $0.append((from, payload)) } }
    }

    var log: @Sendable (String) -> Void {
        { line in self.logLines.withLock { $0.append(line) } }
    }

    /// The payloads received from `peer`, in arrival order.
    func payloads(from peer: NodeID) -> [[UInt8]] {
        messages.withLock { $0.filter { $0.from == peer }.map(\.payload) }
    }

    var count: Int { messages.withLock { $0.count } }

    var logged: [String] { logLines.withLock { $0 } }
}

/// Polls `condition` every 10 ms until it holds or `seconds` pass (a failure bound, not a timing
/// assertion); returns whether it held.
func eventually(within seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// A blocking loopback TCP client, for sending raw bytes a well-behaved transport never would.
struct RawSocket {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawSocketError(what: "socket", code: errno) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            throw RawSocketError(what: "connect", code: errno)
        }
    }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    /// Reads until the peer closes (true) or the 10 s receive timeout passes (false).
    func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    func closeSocket() { close(descriptor) }

    struct RawSocketError: Error {
        let what: String
        let code: Int32
    }
}

/// A frame as the transport's format defines it: fixed32 length (version + payload), version, payload.
func rawFrame(_ payload: [UInt8], version: UInt8 = 1) -> [UInt8] {
    var bytes: [UInt8] = []
    withUnsafeBytes(of: UInt32(payload.count + 1).littleEndian) { bytes += $0 }
    return bytes + [version] + payload
}

/// A handshake frame from node `id`.
func rawHandshake(_ id: NodeID) -> [UInt8] {
    var payload = Array("RFTH".utf8)
    withUnsafeBytes(of: id.littleEndian) { payload += $0 }
    return rawFrame(payload)
}

@Suite("Raft transport over TCP and in memory")
struct TransportTests {
    /// The test message `n` from `from` to `to`: its header says who and which, its length varies.
    static func message(_ n: Int, from: NodeID, to: NodeID) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(from), UInt8(to)]
        withUnsafeBytes(of: UInt32(n).littleEndian) { bytes += $0 }
        return bytes + [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: n % 300)
    }

    @Test("three transports on loopback exchange frames in order, including a 2 MiB one")
    func threeNodes() async throws {
        let inboxes = (1...3).map { _ in TransportInbox() }
        var transports: [TCPTransport] = []
        for id in NodeID(1)...3 {
            let inbox = inboxes[Int(id) - 1]
            transports.append(
                try await TCPTransport.start(id: id, peers: [:], log: inbox.log, handler: inbox.handler))
        }
        let peers = Dictionary(uniqueKeysWithValues: transports.map { ($0.id, "127.0.0.1:\($0.port)") })
        for transport in transports { transport.updatePeers(peers) }

        let count = 500
        for n in 0..<count {
            for sender in transports {
                for receiver in NodeID(1)...3 where receiver != sender.id {
                    sender.send(Self.message(n, from: sender.id, to: receiver), to: receiver)
                }
            }
        }
        let big = (0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        transports[0].send(big, to: 2)
        let all = await eventually { inboxes.map(\.count).reduce(0, +) == 6 * count + 1 }
        #expect(all, "received \(inboxes.map(\.count)) of \(6 * count + 1)")
        for receiver in NodeID(1)...3 {
            for sender in NodeID(1)...3 where sender != receiver {
                var expected = (0..<count).map { Self.message($0, from: sender, to: receiver) }
                if sender == 1 && receiver == 2 { expected.append(big) }
                #expect(inboxes[Int(receiver) - 1].payloads(from: sender) == expected, "\(sender) -> \(receiver)")
            }
        }
        for t in transports { await t.shutdown() }
    }

    @Test("a sender reconnects after the peer's listener restarts on the same port")
    func reconnect() async throws {
        var options = TCPTransportOptions()
        options.initialBackoff = .milliseconds(10)
        options.maxBackoff = .milliseconds(200)
        options.backoffSeed = storageTestSeed(default: 5)
        let first = TransportInbox()
        var receiver = try await TCPTransport.start(id: 2, peers: [:], handler: first.handler)
        let port = receiver.port
        let senderInbox = TransportInbox()
        let sender = try await TCPTransport.start(
            id: 1, peers: [2: "127.0.0.1:\(port)"], options: options, log: senderInbox.log, handler: senderInbox.handler
        )
        sender.send([1, 2, 3], to: 2)
        #expect(await eventually { first.payloads(from: 1) == [[1, 2, 3]] })

        await receiver.shutdown()
        #expect(await eventually { !sender.isConnected(to: 2) })
        let second = TransportInbox()
        receiver = try await TCPTransport.start(id: 2, port: port, peers: [:], handler: second.handler)
        // Messages sent while the connection is down wait in the queue; keep sending until one arrives.
        var n: UInt8 = 0
        let arrived = await eventually {
            n &+= 1
            sender.send([n], to: 2)
            return second.count > 0
        }
        #expect(arrived, "no message after the restart; sender log: \(senderInbox.logged)")
        #expect(sender.isConnected(to: 2))
        #expect(senderInbox.logged.contains { $0.contains("reconnecting") })
        await sender.shutdown()
        await receiver.shutdown()
    }

    @Test("garbage, oversized, wrong-version and handshake-less frames close only their connection")
    func badFrames() async throws {
        var options = TCPTransportOptions()
        options.maxFrameSize = 1024
        let inbox = TransportInbox()
        let node = try await TCPTransport.start(
            id: 1, peers: [:], options: options, log: inbox.log, handler: inbox.handler)
        let otherInbox = TransportInbox()
        let other = try await TCPTransport.start(
            id: 2, peers: [1: "127.0.0.1:\(node.port)"], options: options, handler: otherInbox.handler)
        other.send([42], to: 1)
        #expect(await eventually { inbox.payloads(from: 2) == [[42]] })

        let attacks: [(String, [UInt8])] = [
            ("oversized", rawHandshake(9) + rawFrame([UInt8](repeating: 1, count: 1025))),
            ("huge length", [0xff, 0xff, 0xff, 0xff, 1]),
            ("wrong version", rawHandshake(9) + rawFrame([1, 2, 3], version: 7)),
            ("empty frame", rawHandshake(9) + [0, 0, 0, 0]),
            ("no handshake", rawFrame([1, 2, 3])),
            ("garbage", Array("GET / HTTP/1.1\r\n\r\n".utf8)),
        ]
        for (name, bytes) in attacks {
            let socket = try RawSocket(port: node.port)
            socket.send(bytes)
            #expect(socket.waitForClose(), "\(name): the connection stayed open")
            socket.closeSocket()
        }
        #expect(inbox.logged.filter { $0.contains("closing the connection") }.count >= attacks.count)
        #expect(inbox.payloads(from: 9).isEmpty)

        // A well-formed raw client is served, and the established connection from node 2 still works.
        let socket = try RawSocket(port: node.port)
        socket.send(rawHandshake(9) + rawFrame([7, 7]) + rawFrame([]))
        #expect(await eventually { inbox.payloads(from: 9) == [[7, 7], []] })
        socket.closeSocket()
        other.send([43], to: 1)
        #expect(await eventually { inbox.payloads(from: 2) == [[42], [43]] })
        await other.shutdown()
        await node.shutdown()
    }

    @Test("sends to an unreachable peer fill a bounded queue and are dropped, never blocking")
    func boundedQueue() async throws {
        var options = TCPTransportOptions()
        options.sendQueueCapacity = 8
        options.initialBackoff = .seconds(5)
        let inbox = TransportInbox()
        // Port 1 on loopback: nothing listens there, so the connection is refused.
        let node = try await TCPTransport.start(
            id: 1, peers: [2: "127.0.0.1:1", 3: "not an address"], options: options, log: inbox.log,
            handler: inbox.handler)
        for n in 0..<100 { node.send([UInt8(n)], to: 2) }
        node.send([1], to: 99)  // unknown peer: dropped silently
        node.send([UInt8](repeating: 0, count: options.maxFrameSize + 1), to: 3)
        #expect(node.droppedMessages(to: 2) >= 92)
        #expect(node.droppedMessages(to: 3) == 1)
        #expect(await eventually { inbox.logged.contains { $0.contains("invalid address") } })
        await node.shutdown()
    }

    @Test("the local transport delivers in memory and honors blocked links")
    func local() async {
        let network = LocalNetwork()
        let inboxes = (0...2).map { _ in TransportInbox() }
        let a = network.attach(1, handler: inboxes[1].handler)
        let b = network.attach(2, handler: inboxes[2].handler)
        a.send([1], to: 2)
        b.send([2], to: 1)
        network.setBlocked(true, from: 1, to: 2)
        a.send([3], to: 2)
        b.send([4], to: 1)
        network.setIsolated(true, 2)
        b.send([5], to: 1)
        network.healAll()
        await b.shutdown()
        a.send([6], to: 2)
        b.send([7], to: 1)
        #expect(inboxes[2].payloads(from: 1) == [[1]])
        #expect(inboxes[1].payloads(from: 2) == [[2], [4]])
    }
}
