/// How a ``RaftNode`` runs.
public struct RaftNodeOptions: Sendable {
    /// The length of one logical tick of the core.
    public var tickInterval: Duration = .milliseconds(100)
    /// Ticks without a leader before an election (randomized up to twice this).
    public var electionTicks = 10
    /// Ticks between a leader's heartbeats.
    public var heartbeatTicks = 1
    /// Entries applied between two snapshots of the state machine.
    public var snapshotInterval: UInt64 = 10_000
    /// Bytes per InstallSnapshot chunk.
    public var snapshotChunkSize = 1 << 20
    /// How long a proposal, read or membership change waits before failing with
    /// ``RaftNodeError/timedOut``.
    public var requestTimeout: Duration = .seconds(10)
    /// Options of the durable log.
    public var log = SegmentedLogOptions()
    /// A seed for the core's randomized election timeouts; `nil` derives one from the node id and
    /// the clock.
    public var randomSeed: UInt64?
    /// Where the node reports events worth a log line (leader changes, snapshots, failures).
    public var logger: @Sendable (String) -> Void = { _ in }

    /// The defaults: 100 ms ticks, elections after 1–2 s, snapshots every 10,000 entries.
    public init() {}
}
