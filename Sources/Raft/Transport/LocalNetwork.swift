import Synchronization

/// An in-memory network of ``LocalTransport``s, for tests: each node attaches with its handler, and a
/// message sent is handed to the receiver's handler at once, on the sender's thread, unless the link
/// is blocked (a partition) or the receiver is gone.
public final class LocalNetwork: Sendable {
    private struct State {
        var handlers: [NodeID: RaftMessageHandler] = [:]
        var blocked: Set<Link> = []
    }

    private struct Link: Hashable {
        var from: NodeID
        var to: NodeID
    }

    private let state = Mutex(State())

    /// Creates an empty network.
    public init() {}

    /// Attaches node `id` (replacing an earlier attachment of the same id) and returns its transport.
    public func attach(_ id: NodeID, handler: @escaping RaftMessageHandler) -> LocalTransport {
        state.withLock { $0.handlers[id] = handler }
        return LocalTransport(id: id, network: self)
    }

    /// Blocks or unblocks the one-way link from `from` to `to`.
    public func setBlocked(_ blocked: Bool, from: NodeID, to: NodeID) {
        state.withLock { state in
            if blocked {
                state.blocked.insert(Link(from: from, to: to))
            } else {
                state.blocked.remove(Link(from: from, to: to))
            }
        }
    }

    /// Blocks every link to and from `id` (or unblocks them).
    public func setIsolated(_ isolated: Bool, _ id: NodeID) {
        let others = state.withLock { Array($0.handlers.keys) }
        for other in others where other != id {
            setBlocked(isolated, from: id, to: other)
            setBlocked(isolated, from: other, to: id)
        }
    }

    /// Unblocks every link.
    public func healAll() {
        state.withLock { $0.blocked.removeAll() }
    }

    func deliver(_ payload: [UInt8], from: NodeID, to: NodeID) {
        let handler = state.withLock { state -> RaftMessageHandler? in
            guard !state.blocked.contains(Link(from: from, to: to)) else { return nil }
            return state.handlers[to]
        }
        handler?(from, payload)
    }

    func detach(_ id: NodeID) {
        _ = state.withLock { $0.handlers.removeValue(forKey: id) }
    }
}
