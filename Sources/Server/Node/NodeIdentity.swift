import Raft

/// The Raft id of a raftd node: raftd names nodes by strings (`-id node01`), Raft by non-zero
/// 64-bit numbers, so the number is the FNV-1a hash of the name (never 0). Two names colliding in 64
/// bits is not a practical concern for clusters of a handful of nodes; `/join` refuses it anyway.
enum NodeIdentity {
    /// The Raft id of node `name`.
    static func raftID(of name: String) -> NodeID {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash == 0 ? 1 : hash
    }
}
