/// The cache of uncompressed data blocks shared by all tables, bounded by bytes
/// (``LSMOptions/blockCacheCapacity``), keyed by (file number, block offset).
///
/// Split into 16 independently locked LRU shards so that concurrent readers rarely meet on a lock.
/// It holds ``Block`` objects, which are reference counted: a block evicted while a reader still
/// uses it stays alive until that reader lets go. File numbers are never reused, so blocks of a
/// deleted table are never looked up again and simply age out.
final class BlockCache: Sendable {
    private static let shardBits = 4
    private let shards: [BlockCacheShard]
    /// The byte bound over all shards.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        let shardCount = 1 << BlockCache.shardBits
        let perShard = (max(capacity, 0) + shardCount - 1) / shardCount
        shards = (0..<shardCount).map { _ in BlockCacheShard(capacity: perShard) }
    }

    /// Mixes the key into 64 well-distributed bits: the top bits pick the shard, the low bits the slot.
    @inline(__always)
    private static func hash(_ fileNumber: UInt64, _ offset: UInt64) -> UInt64 {
        var h = (fileNumber &* 0x9E37_79B9_7F4A_7C15) ^ offset
        h ^= h >> 31
        h &*= 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return h
    }

    @inline(__always)
    private func shard(_ hash: UInt64) -> BlockCacheShard {
        shards[Int(truncatingIfNeeded: hash >> UInt64(64 - BlockCache.shardBits))]
    }

    /// The cached block at `offset` of table `fileNumber`, or `nil`.
    @inline(__always)
    func lookup(fileNumber: UInt64, offset: UInt64) -> Block? {
        let h = BlockCache.hash(fileNumber, offset)
        return shard(h).lookup(fileNumber: fileNumber, offset: offset, hash: h)
    }

    /// What ``probe(fileNumber:offset:)`` found.
    enum Probe {
        /// The block is cached.
        case hit(Block)
        /// The block is not cached; `seenRecently` when it also missed a recent probe (and so is
        /// worth caching now).
        case miss(seenRecently: Bool)
    }

    /// Looks the block up like ``lookup(fileNumber:offset:)`` and, on a miss, remembers the miss in
    /// a small table of recently missed blocks (the "ghost" list of 2Q caches) and says whether the
    /// block was already there. Readers that can answer without the whole block use this to cache
    /// only blocks that are read more than once.
    @inline(__always)
    func probe(fileNumber: UInt64, offset: UInt64) -> Probe {
        let h = BlockCache.hash(fileNumber, offset)
        return shard(h).probe(fileNumber: fileNumber, offset: offset, hash: h)
    }

    /// Caches `block` as the block at `offset` of table `fileNumber`.
    func insert(fileNumber: UInt64, offset: UInt64, block: Block) {
        let h = BlockCache.hash(fileNumber, offset)
        shard(h).insert(fileNumber: fileNumber, offset: offset, hash: h, block: block)
    }

    /// Bytes of blocks currently held (the sum of their sizes); at most ``capacity``.
    var usage: Int { shards.reduce(0) { $0 + $1.usage } }

    /// Blocks currently held.
    var count: Int { shards.reduce(0) { $0 + $1.count } }
}
