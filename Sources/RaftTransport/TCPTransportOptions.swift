/// Tuning of a ``TCPTransport``.
public struct TCPTransportOptions: Sendable, Hashable {
    /// The largest payload a frame may carry, sent or received; a larger incoming frame closes its
    /// connection, a larger outgoing payload is dropped. Default 64 MiB (room for snapshot chunks).
    public var maxFrameSize: Int = 64 << 20
    /// The most frames queued for one peer; further sends to it are dropped until the queue drains.
    /// Default 4096.
    public var sendQueueCapacity: Int = 4096
    /// The most frames kept for a peer whose connection attempts fail. Raft resends whatever a peer still
    /// needs once it answers again, so messages piled up for a down peer are stale by the time it
    /// returns (etcd's transport drops them too). Default 64.
    public var disconnectedQueueCapacity: Int = 64
    /// The most payload bytes queued for one peer. Default 256 MiB.
    public var sendQueueMaxBytes: Int = 256 << 20
    /// The wait before the first reconnection attempt; it doubles with each failure. Default 50 ms.
    public var initialBackoff: Duration = .milliseconds(50)
    /// The longest wait between reconnection attempts. Default 2 s.
    public var maxBackoff: Duration = .seconds(2)
    /// How long a connection attempt may take. Default 2 s.
    public var connectTimeout: Duration = .seconds(2)
    /// The seed of the backoff's jitter; `nil` uses the node's id.
    public var backoffSeed: UInt64?

    /// Creates the default options.
    public init() {}
}
