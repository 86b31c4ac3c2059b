/// Everything the core asks its driver to do, gathered since the last ``RaftCore/advance()``.
///
/// The driver handles a Ready in this order, then calls ``RaftCore/advance()``:
/// 1. Persist: install `snapshot` (if any) into its log storage and snapshot store; write
///    `entries` (first discarding every stored entry at or after `entries[0].index`: a follower's
///    conflicting suffix); write `hardState` (if any). Sync when `mustSync` is true.
/// 2. Only then send `messages` (durability before send: a vote or an append acknowledgement must
///    never leave before what it promises is on disk). A ``MessageBody/installSnapshot(_:)``
///    message asks the driver to stream the application's snapshot (see ``SnapshotChunk``) and to
///    report the outcome with ``RaftCore/reportSnapshotStatus(_:succeeded:)``.
/// 3. Restore the state machine from `snapshot` if there is one, then apply `committedEntries` in
///    order (entries of kind ``EntryKind/configurationChange`` and empty normal entries, the
///    leaders' no-ops, carry nothing for the state machine), and serve the reads of `readStates`
///    once their index is applied.
/// 4. Call ``RaftCore/advance()``.
///
/// `committedEntries` may include entries of this same Ready's `entries`: step 1 persists them first.
public struct Ready: Sendable {
    /// The new leader and role, if either changed.
    public var softState: SoftState?
    /// The term, vote and commit index to persist, if any changed.
    public var hardState: HardState?
    /// A snapshot received from the leader, to install before anything else.
    public var snapshot: SnapshotMetadata?
    /// Entries to append to durable storage, replacing any stored entry at or after the first one's
    /// index.
    public var entries: [Entry]
    /// Entries known committed, to apply to the state machine in order.
    public var committedEntries: [Entry]
    /// Messages to send once everything above is durable.
    public var messages: [Message]
    /// Answers to read-index requests.
    public var readStates: [ReadState]
    /// Whether the writes must be synced before the messages leave (false when only the commit index
    /// changed, which may be lost in a crash without harm).
    public var mustSync: Bool

    /// Creates a Ready (the core builds them; this is public for drivers' tests).
    public init(
        softState: SoftState? = nil, hardState: HardState? = nil, snapshot: SnapshotMetadata? = nil,
        entries: [Entry] = [], committedEntries: [Entry] = [], messages: [Message] = [],
        readStates: [ReadState] = [], mustSync: Bool = false
    ) {
        self.softState = softState
        self.hardState = hardState
        self.snapshot = snapshot
        self.entries = entries
        self.committedEntries = committedEntries
        self.messages = messages
        self.readStates = readStates
        self.mustSync = mustSync
    }
}
