import Dispatch
import Synchronization

/// Key commands applied but not yet committed to the B+tree, and the reads that must see them.
///
/// A B+tree commit costs two fsyncs, and all three nodes of a loopback cluster share one disk
/// (about 5,000 fsyncs/s here), so committing each applied batch bounded write throughput by the disk.
/// As etcd batches its bbolt commits, applied key commands collect here and are committed together:
/// when 1,000 are pending, 5 ms after the first one, or when the node needs everything on disk
/// (``ServerStateMachine/sync()`` before a snapshot). Nothing acknowledged is at risk: a write is
/// acknowledged once it is durable in the Raft log, and the B+tree records the last index it holds,
/// so a restart replays the rest from the log.
final class KeyWriteBuffer: Sendable {
    private struct State {
        var commands: [Command] = []
        var lastIndex: UInt64 = 0
        /// The newest pending value of each key (`nil` = deleted) and the sequence of that write.
        var overlay: [[UInt8]: (value: [UInt8]?, sequence: UInt64)] = [:]
        var sequence: UInt64 = 0
        var firstPending: DispatchTime?
    }

    static let maxPending = 1_000
    static let maxDelay: DispatchTimeInterval = .milliseconds(5)

    private let state = Mutex(State())
    /// Held through a whole flush, so flushes commit in order.
    private let flushing = Mutex(())

    /// Adds applied key commands ending at `lastIndex`; returns whether a flush is due.
    func add(_ commands: [Command], lastIndex: UInt64) -> Bool {
        state.withLock { state in
            for command in commands {
                state.sequence += 1
                switch command {
                case .put(let key, let value): state.overlay[key] = (value, state.sequence)
                case .delete(let key): state.overlay[key] = (nil, state.sequence)
                default: break
                }
            }
            state.commands += commands
            state.lastIndex = max(state.lastIndex, lastIndex)
            if state.firstPending == nil { state.firstPending = .now() }
            return state.commands.count >= Self.maxPending
        }
    }

    /// The pending value of `key`: `.some(nil)` when deleted, `nil` when nothing is pending for it.
    func pendingValue(of key: [UInt8]) -> [UInt8]?? {
        state.withLock { $0.overlay[key].map { $0.value } }
    }

    /// Whether commands wait longer than ``maxDelay``.
    var isDue: Bool {
        state.withLock { state in
            guard let first = state.firstPending else { return false }
            return first + Self.maxDelay <= .now()
        }
    }

    /// Commits everything pending to `keys` in one transaction.
    func flush(into keys: KeyValueStore) throws {
        try flushing.withLock { _ in
            let (commands, lastIndex, sequence) = state.withLock { state in
                defer {
                    state.commands = []
                    state.firstPending = nil
                }
                return (state.commands, state.lastIndex, state.sequence)
            }
            guard !commands.isEmpty else { return }
            try keys.apply(commands, lastIndex: lastIndex)
            state.withLock { state in
                state.overlay = state.overlay.filter { $0.value.sequence > sequence }
            }
        }
    }
}
