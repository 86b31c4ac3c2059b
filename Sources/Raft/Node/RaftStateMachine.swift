/// The application a ``RaftNode`` replicates: it applies committed entries in log order and can
/// save and restore its whole state, for snapshots.
///
/// Every node applies the same entries in the same order, so `apply` must be deterministic: no
/// clock, no randomness, no local state may decide an outcome.
public protocol RaftStateMachine: AnyObject, Sendable {
    /// What applying one entry returns to the proposer (``RaftNode/propose(_:)`` hands it back).
    associatedtype Result: Sendable

    /// The index of the last entry whose effects are durable in the state machine. At start the node
    /// replays the log entries after it (and after the latest snapshot).
    func appliedIndex() throws -> UInt64

    /// Applies committed entries: consecutive, in log order, each exactly once per state (after a
    /// restart, entries after ``appliedIndex()`` are applied again). No-op entries (empty data) and
    /// configuration entries are included, so that the machine sees every index; most skip them.
    /// Returns one result per entry. A thrown error stops the node: it means the machine's storage
    /// failed, and applying further could diverge from the other nodes.
    func apply(_ entries: [Entry]) throws -> [Result]

    /// Makes everything applied so far durable. Called before the log is compacted behind a
    /// snapshot, so no applied entry is lost with the log.
    func sync() throws

    /// Writes the whole state, as of the last applied entry, to `sink` in chunks.
    func writeSnapshot(to sink: (UnsafeRawBufferPointer) throws -> Void) throws

    /// Replaces the whole state with a snapshot's. `read` returns the next chunk of the bytes
    /// ``writeSnapshot(to:)`` wrote, and an empty array at the end (the bytes were checksummed).
    /// The machine should build the new state beside the old and switch atomically, so that a crash
    /// in the middle leaves a machine that still starts.
    func restore(from read: () throws -> [UInt8], metadata: SnapshotMetadata) throws
}
