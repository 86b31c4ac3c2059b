/// The 64-bit FNV-1a hash: small, stable across runs and platforms, good enough to derive ids from
/// names (a node's Raft id, a default snowflake worker id).
enum FNV1a {
    /// The hash of `text`'s UTF-8 bytes.
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
