/// How a ``RaftCore`` behaves: its identity, its timeouts in ticks, and its flow-control limits.
public struct RaftOptions: Sendable, Hashable {
    /// This server's id (non-zero).
    public var id: NodeID
    /// Ticks without hearing from a leader before a follower campaigns. The actual timeout is drawn
    /// again at each term from `electionTicks ..< 2 * electionTicks`, so that elections rarely tie.
    /// It is also the check-quorum period and the leadership-transfer deadline.
    public var electionTicks: Int = 10
    /// Ticks between a leader's heartbeats; must be less than `electionTicks`.
    public var heartbeatTicks: Int = 1
    /// Whether a server first asks whether it could win (pre-vote, thesis §9.6) before it raises its
    /// term, so that a server that was partitioned away cannot force an election when it returns.
    public var preVote: Bool = true
    /// Whether a leader steps down when it has not heard from a quorum within `electionTicks`, and
    /// followers that hear from a leader ignore vote requests (thesis §6.2, §9.6).
    public var checkQuorum: Bool = true
    /// The most entries in one append message.
    public var maxEntriesPerMessage: Int = 4096
    /// The most entry bytes in one append message (at least one entry is always sent).
    public var maxBytesPerMessage: Int = 1 << 20
    /// The most append messages in flight to one follower in replicate state.
    public var maxInflightMessages: Int = 256
    /// The most entry bytes in flight to one follower (0: no limit beyond the message count).
    public var maxInflightBytes: Int = 0
    /// The most entry bytes of committed entries in one ``Ready`` (at least one entry).
    public var maxCommittedBytesPerReady: Int = 16 << 20
    /// The index the application's state machine has already applied when the core starts (its
    /// last snapshot's index, or more for a state machine that is durable itself). Committed entries
    /// are handed out from the next index.
    public var applied: UInt64 = 0
    /// The seed of the generator that draws randomized election timeouts. Give each server of a
    /// real cluster a random seed; simulations derive it from theirs so runs replay exactly.
    public var randomSeed: UInt64

    /// Options with the defaults above for server `id`; the seed defaults to one derived from `id`.
    public init(id: NodeID, randomSeed: UInt64? = nil) {
        self.id = id
        self.randomSeed = randomSeed ?? (0x5EED_0000_0000_0000 ^ id)
    }

    /// Throws ``RaftError/invalidArgument(_:)`` when the options cannot work.
    func validate() throws(RaftError) {
        guard id != 0 else { throw .invalidArgument("node id 0 is reserved") }
        guard heartbeatTicks >= 1 else { throw .invalidArgument("heartbeatTicks must be at least 1") }
        guard electionTicks > heartbeatTicks else {
            throw .invalidArgument("electionTicks must be greater than heartbeatTicks")
        }
        guard maxEntriesPerMessage >= 1, maxInflightMessages >= 1 else {
            throw .invalidArgument("maxEntriesPerMessage and maxInflightMessages must be at least 1")
        }
    }
}
