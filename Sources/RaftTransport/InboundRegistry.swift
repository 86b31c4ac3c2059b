import NIOCore
import Synchronization

/// The accepted connections of a transport, so that shutdown can close them; once closed, it refuses
/// new ones.
final class InboundRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Records an accepted channel; `false` if the transport is shutting down.
    func add(_ channel: any Channel) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    /// Forgets a channel that closed.
    func remove(_ id: ObjectIdentifier) {
        _ = state.withLock { $0.channels.removeValue(forKey: id) }
    }

    /// Refuses new channels and returns the open ones, to be closed.
    func closeAll() -> [any Channel] {
        state.withLock { state in
            state.closed = true
            defer { state.channels = [:] }
            return Array(state.channels.values)
        }
    }
}
