import Raft

/// The Raft id of a raftd node: raftd names nodes by strings (`-id node01`), Raft by non-zero
/// 64-bit numbers, so the number is the FNV-1a hash of the name (never 0). Two names colliding in 64
/// bits is not a practical concern for clusters of a handful of nodes; `/join` refuses it anyway.
enum NodeIdentity {
    /// The Raft id of node `name`.
    static func raftID(of name: String) -> NodeID {
        let hash = FNV1a.hash(name)
        return hash == 0 ? 1 : hash
    }
}
