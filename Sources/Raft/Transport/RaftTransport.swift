/// Receives what peers send: called with the sender's id and the payload of one frame.
///
/// Transports call it on their own threads (an event loop for ``RaftTransport`` over TCP), so it must
/// return quickly: hand the message to the node's own queue rather than process it in place.
public typealias RaftMessageHandler = @Sendable (_ from: NodeID, _ payload: [UInt8]) -> Void

/// How a Raft node's messages reach its peers: opaque byte payloads, delivered at most once, in order
/// per peer while a connection lasts, and possibly not at all (Raft tolerates loss, so a transport
/// drops rather than blocks).
///
/// What arrives goes to the ``RaftMessageHandler`` given when the transport is made. The driver depends
/// only on this protocol; `TCPTransport` (module `RaftTransport`) implements it over TCP and
/// ``LocalTransport`` in memory for tests.
public protocol RaftTransport: Sendable {
    /// Queues `payload` for `peer` and returns at once; drops it if the peer is unknown or its queue is
    /// full. Never blocks.
    func send(_ payload: [UInt8], to peer: NodeID)

    /// Replaces the map of peers (id to address, e.g. `"127.0.0.1:7001"`), as membership changes:
    /// removed peers are disconnected, changed addresses reconnected, new peers connected.
    func updatePeers(_ peers: [NodeID: String])

    /// Stops sending and receiving and releases the transport's connections.
    func shutdown() async
}
