import NIOCore
import NIOPosix
import Raft
import Synchronization

/// The outbound side of the transport for one peer: a bounded queue of payloads and one TCP connection
/// that is kept up, reconnecting with exponential backoff and jitter after any failure.
///
/// ``send(_:)`` may be called from any thread: it only appends to the queue under a lock and, when
/// needed, schedules work on the connection's event loop. Everything that touches the channel runs on
/// that loop. Frames are written as the queue holds them and flushed once per drain, so a burst of
/// messages to a peer costs one `writev`.
final class PeerConnection: Sendable {
    /// Where the connection stands.
    private enum Phase {
        /// No connection and no attempt under way (before the first send, or while the address is
        /// invalid).
        case idle
        case connecting
        case connected(any Channel)
        /// Waiting for the backoff timer before the next attempt.
        case waitingToReconnect
    }

    private struct State {
        var address: String
        var phase: Phase = .idle
        var queue = CircularBuffer<[UInt8]>()
        var queuedBytes = 0
        var drainScheduled = false
        var failedAttempts = 0
        var backoff: ReconnectBackoff
        var reconnectTimer: Scheduled<Void>?
        var closed = false
        var droppedFrames = 0
        /// Whether a drop was logged since the queue last had room, so a full queue logs once.
        var loggedDrop = false
    }

    /// The peer's id.
    let peer: NodeID
    /// This node's id, sent in the handshake.
    let localID: NodeID
    /// The loop that owns the connection.
    let eventLoop: any EventLoop
    private let options: TCPTransportOptions
    private let log: @Sendable (String) -> Void
    private let state: Mutex<State>

    /// Frames drained per lock acquisition, and the bytes after which a drain stops to let the
    /// channel write.
    private static let drainBatch = 64
    private static let drainBytes = 4 << 20

    init(
        peer: NodeID, localID: NodeID, address: String, eventLoop: any EventLoop, options: TCPTransportOptions,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.peer = peer
        self.localID = localID
        self.eventLoop = eventLoop
        self.options = options
        self.log = log
        let seed = (options.backoffSeed ?? localID) ^ (peer &* 0x9E37_79B9_7F4A_7C15)
        state = Mutex(
            State(
                address: address,
                backoff: ReconnectBackoff(initial: options.initialBackoff, maximum: options.maxBackoff, seed: seed)))
    }

    /// The number of payloads dropped because the queue was full or the payload too large.
    var droppedFrames: Int { state.withLock { $0.droppedFrames } }

    /// Whether a connection is established now.
    var isConnected: Bool {
        state.withLock { state in
            if case .connected = state.phase { return true }
            return false
        }
    }

    /// Queues `payload`; drops it when the queue is full. Never blocks.
    func send(_ payload: [UInt8]) {
        enum Action { case none, drain, connect, logDrop(String) }
        let action = state.withLock { state -> Action in
            guard !state.closed else { return .none }
            guard payload.count <= options.maxFrameSize else {
                state.droppedFrames += 1
                return .logDrop("dropping a \(payload.count)-byte message to peer \(peer): over maxFrameSize")
            }
            // A peer that failed to connect is down: keep only a few messages for it.
            let capacity =
                state.failedAttempts > 0
                ? min(options.sendQueueCapacity, options.disconnectedQueueCapacity) : options.sendQueueCapacity
            guard state.queue.count < capacity, state.queuedBytes + payload.count <= options.sendQueueMaxBytes else {
                state.droppedFrames += 1
                if state.loggedDrop { return .none }
                state.loggedDrop = true
                return .logDrop("send queue to peer \(peer) is full; dropping messages")
            }
            state.loggedDrop = false
            state.queue.append(payload)
            state.queuedBytes += payload.count
            switch state.phase {
            case .connected:
                if state.drainScheduled { return .none }
                state.drainScheduled = true
                return .drain
            case .idle:
                state.phase = .connecting
                return .connect
            case .connecting, .waitingToReconnect:
                return .none
            }
        }
        switch action {
        case .none: break
        case .drain: eventLoop.execute { self.drain() }
        case .connect: eventLoop.execute { self.connect() }
        case .logDrop(let message): log(message)
        }
    }

    /// Points the connection at a new address: an established connection is closed, and the next one
    /// goes to `address`.
    func updateAddress(_ address: String) {
        let channel = state.withLock { state -> (any Channel)? in
            guard state.address != address else { return nil }
            state.address = address
            if case .connected(let channel) = state.phase { return channel }
            return nil
        }
        channel?.close(promise: nil)
    }

    /// Starts connecting now if nothing is under way (at start and when a peer is added).
    func connectIfIdle() {
        let start = state.withLock { state -> Bool in
            guard !state.closed, case .idle = state.phase else { return false }
            state.phase = .connecting
            return true
        }
        if start { eventLoop.execute { self.connect() } }
    }

    /// Stops for good: cancels a pending reconnection, drops the queue, and closes the connection.
    func close() -> EventLoopFuture<Void> {
        let channel = state.withLock { state -> (any Channel)? in
            state.closed = true
            state.reconnectTimer?.cancel()
            state.reconnectTimer = nil
            state.queue.removeAll()
            state.queuedBytes = 0
            if case .connected(let channel) = state.phase { return channel }
            return nil
        }
        guard let channel else { return eventLoop.makeSucceededVoidFuture() }
        return channel.close().recover { _ in }
    }

    // MARK: On the event loop

    private func connect() {
        eventLoop.assertInEventLoop()
        let (text, closed) = state.withLock { ($0.address, $0.closed) }
        guard !closed else { return }
        guard let address = PeerAddress(text) else {
            log("peer \(peer) has an invalid address \"\(text)\"; not connecting")
            state.withLock { $0.phase = .idle }
            return
        }
        ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(options.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: 1 << 20, high: 4 << 20))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(OutboundConnectionHandler(connection: self))
                }
            }
            .connect(host: address.host, port: address.port)
            .whenComplete { result in
                switch result {
                case .success(let channel): self.connected(channel)
                case .failure(let error): self.connectionFailed("connecting to \(text) failed: \(error)")
                }
            }
    }

    private func connected(_ channel: any Channel) {
        eventLoop.assertInEventLoop()
        guard channel.isActive else {
            connectionFailed("connection closed as it opened")
            return
        }
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.phase = .connected(channel)
            state.failedAttempts = 0
            state.drainScheduled = true
            return true
        }
        guard accepted else {
            channel.close(promise: nil)
            return
        }
        var handshake = channel.allocator.buffer(capacity: RaftFrame.headerSize + RaftFrame.handshakeSize)
        RaftFrame.write(RaftFrame.handshake(from: localID), into: &handshake)
        channel.write(handshake, promise: nil)
        drain()
    }

    /// Writes queued frames while the channel is writable, then flushes once.
    func drain() {
        eventLoop.assertInEventLoop()
        var wrote = false
        while true {
            let (channel, batch) = state.withLock { state -> ((any Channel)?, [[UInt8]]) in
                guard case .connected(let channel) = state.phase, channel.isWritable, !state.queue.isEmpty else {
                    state.drainScheduled = false
                    if case .connected(let channel) = state.phase { return (channel, []) }
                    return (nil, [])
                }
                var batch: [[UInt8]] = []
                var bytes = 0
                while batch.count < Self.drainBatch && bytes < Self.drainBytes, let payload = state.queue.popFirst() {
                    bytes += payload.count
                    batch.append(payload)
                }
                state.queuedBytes -= bytes
                return (channel, batch)
            }
            guard let channel else { return }
            if batch.isEmpty {
                if wrote { channel.flush() }
                return
            }
            for payload in batch {
                var buffer = channel.allocator.buffer(capacity: RaftFrame.headerSize + payload.count)
                RaftFrame.write(payload, into: &buffer)
                channel.write(buffer, promise: nil)
            }
            wrote = true
        }
    }

    /// The channel `channel` closed (or could not be set up): reconnect after a backoff unless closed.
    func channelClosed(_ channel: any Channel) {
        eventLoop.assertInEventLoop()
        let current = state.withLock { state -> Bool in
            if case .connected(let active) = state.phase, active === channel { return true }
            return false
        }
        if current { connectionFailed("connection closed") }
    }

    private func connectionFailed(_ reason: String) {
        eventLoop.assertInEventLoop()
        let (delay, address, attempt) = state.withLock { state -> (Duration?, String, Int) in
            guard !state.closed else { return (nil, state.address, 0) }
            state.failedAttempts += 1
            state.phase = .waitingToReconnect
            state.drainScheduled = false
            return (state.backoff.delay(attempt: state.failedAttempts), state.address, state.failedAttempts)
        }
        guard let delay else { return }
        if attempt == 1 || attempt % 10 == 0 {
            log("peer \(peer) at \(address): \(reason); reconnecting (attempt \(attempt), in \(delay))")
        }
        let timer = eventLoop.scheduleTask(in: TimeAmount(delay)) { self.reconnect() }
        state.withLock { $0.reconnectTimer = timer }
    }

    private func reconnect() {
        let go = state.withLock { state -> Bool in
            guard !state.closed, case .waitingToReconnect = state.phase else { return false }
            state.phase = .connecting
            state.reconnectTimer = nil
            return true
        }
        if go { connect() }
    }
}
