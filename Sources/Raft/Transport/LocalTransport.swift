import Synchronization

/// A ``RaftTransport`` over a ``LocalNetwork``, in memory, for tests: no addresses, no connections.
public final class LocalTransport: RaftTransport {
    /// The node this transport sends for.
    public let id: NodeID
    private let network: LocalNetwork
    private let isShutDown = Atomic<Bool>(false)

    init(id: NodeID, network: LocalNetwork) {
        self.id = id
        self.network = network
    }

    /// Hands `payload` to `peer`'s handler now, on this thread, unless the link is blocked, the peer is
    /// not attached, or this transport was shut down.
    public func send(_ payload: [UInt8], to peer: NodeID) {
        guard !isShutDown.load(ordering: .acquiring) else { return }
        network.deliver(payload, from: id, to: peer)
    }

    /// Does nothing: a local network needs no addresses.
    public func updatePeers(_ peers: [NodeID: String]) {}

    /// Detaches this node from the network; later sends are dropped.
    public func shutdown() async {
        isShutDown.store(true, ordering: .releasing)
        network.detach(id)
    }
}
