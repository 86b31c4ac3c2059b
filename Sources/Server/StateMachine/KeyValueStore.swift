import BTree

/// The user keys and the cluster metadata of the replicated state, kept in the B+tree engine.
///
/// Three buckets: `kv` holds user keys as given; `cluster` holds each member's addresses under its
/// id (value: `bytes httpAddress | bytes raftAddress`); `meta` holds `applied`, the fixed64 of the
/// last Raft index applied here, written in the same transaction as every change, so a restart knows
/// which log entries this engine has already seen. Metadata never shares a bucket with user keys, so
/// no user key can collide with it.
final class KeyValueStore: Sendable {
    static let userBucket = "kv"
    static let clusterBucket = "cluster"
    static let metaBucket = "meta"
    static let appliedKey: [UInt8] = Array("applied".utf8)

    let db: BTreeDB

    /// Opens (or creates) the B+tree file at `path`.
    init(path: String) throws {
        db = try BTreeDB(path: path, options: BTreeOptions())
        try db.update { tx in
            _ = try tx.createBucketIfNotExists(Self.userBucket)
            _ = try tx.createBucketIfNotExists(Self.clusterBucket)
            _ = try tx.createBucketIfNotExists(Self.metaBucket)
        }
    }

    /// Closes the file.
    func close() throws { try db.close() }

    /// The longest user key the B+tree takes; the HTTP layer refuses longer ones before proposing.
    var maxKeySize: Int { db.maxKeySize }

    /// The last Raft index applied to the B+tree.
    func appliedIndex() throws -> UInt64 {
        try db.view { tx in
            guard let bytes = try tx.bucket(Self.metaBucket)?.get(Self.appliedKey) else { return 0 }
            var reader = ByteParser(bytes)
            guard let index = reader.fixed64() else { throw StateMachineError.corruptRecord("bad applied index") }
            return index
        }
    }

    /// The value of user key `key`.
    func get(_ key: [UInt8]) throws -> [UInt8]? {
        try db.view { tx in try tx.bucket(Self.userBucket)?.get(key) }
    }

    /// Every member's addresses, by id.
    func members() throws -> [String: (httpAddress: String, raftAddress: String)] {
        try db.view { tx in
            var members: [String: (httpAddress: String, raftAddress: String)] = [:]
            try tx.bucket(Self.clusterBucket)?.forEach { key, value in
                guard let value else { return }
                var reader = ByteParser(value)
                guard let http = reader.lengthPrefixed(), let raft = reader.lengthPrefixed() else {
                    throw StateMachineError.corruptRecord("malformed member record")
                }
                members[String(decoding: key, as: UTF8.self)] = (
                    String(decoding: http, as: UTF8.self), String(decoding: raft, as: UTF8.self)
                )
            }
            return members
        }
    }

    /// Applies the B+tree commands of a run of log entries in one transaction (one commit, one pair
    /// of fsyncs) together with the applied index `lastIndex`.
    func apply(_ commands: [Command], lastIndex: UInt64) throws {
        try db.update { tx in
            guard let user = try tx.bucket(Self.userBucket), let cluster = try tx.bucket(Self.clusterBucket),
                let meta = try tx.bucket(Self.metaBucket)
            else { throw StateMachineError.corruptRecord("B+tree buckets missing") }
            for command in commands {
                switch command {
                case .put(let key, let value):
                    // Checked before proposing too; a longer key in the log (an older node's, say) is
                    // skipped on every node alike rather than failing the whole transaction.
                    guard !key.isEmpty, key.count <= db.maxKeySize else { continue }
                    try user.put(key, value)
                case .delete(let key):
                    guard !key.isEmpty, key.count <= db.maxKeySize else { continue }
                    try user.delete(key)
                case .setMember(let id, let http, let raft):
                    var value: [UInt8] = []
                    ByteWriter.appendBytes(&value, http.utf8)
                    ByteWriter.appendBytes(&value, raft.utf8)
                    try cluster.put(Array(id.utf8), value)
                case .removeMember(let id):
                    try cluster.delete(Array(id.utf8))
                case .grant, .keepalive, .revoke, .expire:
                    continue
                }
            }
            var applied: [UInt8] = []
            ByteWriter.appendFixed64(&applied, lastIndex)
            try meta.put(Self.appliedKey, applied)
        }
    }
}
