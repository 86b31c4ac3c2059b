import NIOCore
import NIOPosix
import Raft
import Synchronization

/// Raft's transport over TCP with SwiftNIO: opaque byte frames (`doc/raft_transport.md`), a listener
/// for what peers send, and one outbound connection per peer for what this node sends.
///
/// - Inbound: every accepted connection starts with a handshake frame carrying the sender's id; each
///   later frame's payload goes to the handler with that id. A malformed, wrong-version or oversized
///   frame is logged and closes that connection only.
/// - Outbound: one connection per peer, opened at start (and when a peer is added), kept up with
///   reconnection after exponential backoff with seeded jitter. Sends go to a bounded per-peer queue
///   (full: dropped, never blocking), drained on the connection's event loop in batches flushed once.
///
/// Each pair of nodes thus uses two connections, one per direction, which avoids deciding which of two
/// simultaneous dials wins.
public final class TCPTransport: RaftTransport {
    /// This node's id, sent in every handshake.
    public let id: NodeID
    /// The port the listener is bound to (the one the system picked when started with port 0).
    public let port: Int

    private struct State {
        var peers: [NodeID: PeerConnection] = [:]
        var isShutDown = false
    }

    private let state = Mutex(State())
    private let group: any EventLoopGroup
    private let options: TCPTransportOptions
    private let log: @Sendable (String) -> Void
    private let serverChannel: any Channel

    /// Starts a transport for node `id`: binds the listener to `host:port` (port 0 picks a free one,
    /// see ``port``) and connects to `peers` (id to `"host:port"`; an entry for `id` itself is ignored).
    ///
    /// - Parameters:
    ///   - group: the event loops to run on; by default NIO's shared singleton group.
    ///   - log: receives one line for each notable event (a connection refused or closed for a bad
    ///     frame, a reconnection, a full queue); called on event loop threads.
    ///   - handler: receives every message with its sender's id, on an event loop thread (see
    ///     ``RaftMessageHandler``).
    public static func start(
        id: NodeID, host: String = "127.0.0.1", port: Int = 0, peers: [NodeID: String],
        options: TCPTransportOptions = TCPTransportOptions(), group: (any EventLoopGroup)? = nil,
        log: @escaping @Sendable (String) -> Void = { _ in }, handler: @escaping RaftMessageHandler
    ) async throws -> TCPTransport {
        let group = group ?? MultiThreadedEventLoopGroup.singleton
        let registry = InboundRegistry()
        let maxFrameSize = options.maxFrameSize
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard registry.add(channel) else {
                        channel.close(promise: nil)
                        return
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(RaftFrameDecoder(maxPayloadSize: maxFrameSize)))
                    try channel.pipeline.syncOperations.addHandler(
                        InboundFrameHandler(
                            deliver: handler, log: log,
                            connectionClosed: { registry.remove($0) }))
                }
            }
            .bind(host: host, port: port).get()
        guard let boundPort = server.localAddress?.port else {
            try? await server.close().get()
            throw TCPTransportError.noBoundPort
        }
        let transport = TCPTransport(
            id: id, port: boundPort, group: group, options: options, log: log, server: server, registry: registry)
        transport.updatePeers(peers)
        return transport
    }

    private let registry: InboundRegistry

    private init(
        id: NodeID, port: Int, group: any EventLoopGroup, options: TCPTransportOptions,
        log: @escaping @Sendable (String) -> Void, server: any Channel, registry: InboundRegistry
    ) {
        self.id = id
        self.port = port
        self.group = group
        self.options = options
        self.log = log
        self.serverChannel = server
        self.registry = registry
    }

    /// Queues `payload` for `peer`; dropped if the peer is unknown, its queue is full, or the payload
    /// exceeds ``TCPTransportOptions/maxFrameSize``. Never blocks.
    public func send(_ payload: [UInt8], to peer: NodeID) {
        state.withLock { $0.peers[peer] }?.send(payload)
    }

    /// Replaces the peer map: removed peers are disconnected, a changed address is reconnected, new
    /// peers are connected.
    public func updatePeers(_ peers: [NodeID: String]) {
        var closing: [PeerConnection] = []
        var starting: [PeerConnection] = []
        var moving: [(PeerConnection, String)] = []
        state.withLock { state in
            guard !state.isShutDown else { return }
            for (peer, connection) in state.peers where peers[peer] == nil {
                closing.append(connection)
                state.peers[peer] = nil
            }
            for (peer, address) in peers where peer != id {
                if let existing = state.peers[peer] {
                    moving.append((existing, address))
                } else {
                    let connection = PeerConnection(
                        peer: peer, localID: id, address: address, eventLoop: group.next(), options: options, log: log)
                    state.peers[peer] = connection
                    starting.append(connection)
                }
            }
        }
        for connection in closing { _ = connection.close() }
        for (connection, address) in moving { connection.updateAddress(address) }
        for connection in starting { connection.connectIfIdle() }
    }

    /// Whether the outbound connection to `peer` is established now (for tests and status).
    public func isConnected(to peer: NodeID) -> Bool {
        state.withLock { $0.peers[peer] }?.isConnected ?? false
    }

    /// The number of messages to `peer` dropped so far (queue full or payload too large).
    public func droppedMessages(to peer: NodeID) -> Int {
        state.withLock { $0.peers[peer] }?.droppedFrames ?? 0
    }

    /// Closes the listener, every outbound and inbound connection; later sends are dropped. Does not
    /// shut the event loop group down (it may be shared).
    public func shutdown() async {
        let peers = state.withLock { state -> [PeerConnection] in
            state.isShutDown = true
            defer { state.peers = [:] }
            return Array(state.peers.values)
        }
        try? await serverChannel.close().get()
        for channel in registry.closeAll() { try? await channel.close().get() }
        for peer in peers { try? await peer.close().get() }
    }
}

/// Errors starting a ``TCPTransport``.
public enum TCPTransportError: Error, Sendable {
    /// The listener bound but reported no port.
    case noBoundPort
}
