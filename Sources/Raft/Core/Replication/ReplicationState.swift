/// How the leader replicates to one follower (etcd-io/raft's progress states).
public enum ReplicationState: Sendable, Hashable {
    /// The leader does not know where the follower's log matches its own: it sends one append at a
    /// time and waits for the answer, backing off on rejections.
    case probe
    /// The follower's log is known to match: the leader streams appends without waiting, up to the
    /// inflight window.
    case replicate
    /// The follower needs entries the leader compacted: a snapshot is on its way, and nothing else
    /// is sent until it is acknowledged or reported failed.
    case snapshot
}
