/// A point in a store's history. Reads at a snapshot see exactly the writes made before it was taken,
/// however many writes, flushes and compactions come after.
///
/// A snapshot pins the old versions of the keys it can see: compaction keeps them while the snapshot
/// is alive. Let it go (drop the last reference) when done.
///
/// ```swift
/// let snapshot = db.snapshot()
/// try db.put(key, newValue)
/// let old = try db.get(key, at: snapshot)   // the value before the put
/// ```
public final class Snapshot: Sendable {
    /// The sequence number of the newest write the snapshot sees.
    public let sequence: UInt64

    init(sequence: UInt64) {
        self.sequence = sequence
    }
}

/// A weak reference to a snapshot, for the store's list of live snapshots.
struct WeakSnapshot {
    weak var snapshot: Snapshot?
    init(_ snapshot: Snapshot) { self.snapshot = snapshot }
}
