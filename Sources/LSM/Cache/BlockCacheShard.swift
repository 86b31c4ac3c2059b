import Synchronization

/// One shard of the ``BlockCache``: a byte-bounded LRU map from (file number, block offset) to
/// ``Block``, behind its own lock.
///
/// The map is an open-addressing hash table (linear probing, backward-shift deletion) of indexes
/// into a node array; the nodes also form a doubly linked recency list by index. A hit hashes once,
/// probes a slot or two, relinks one node and retains the block: no allocation, and the lock is held
/// for tens of nanoseconds.
final class BlockCacheShard: Sendable {
    private let state: Mutex<LRU>

    /// A shard that holds at most `capacity` bytes of blocks.
    init(capacity: Int) {
        state = Mutex(LRU(capacity: capacity))
    }

    /// The cached block, made most recently used, or `nil`.
    @inline(__always)
    func lookup(fileNumber: UInt64, offset: UInt64, hash: UInt64) -> Block? {
        state.withLock { $0.lookup(fileNumber: fileNumber, offset: offset, hash: hash) }
    }

    /// The cached block, made most recently used; or, on a miss, whether the block also missed
    /// recently (see ``BlockCache/probe(fileNumber:offset:)``).
    @inline(__always)
    func probe(fileNumber: UInt64, offset: UInt64, hash: UInt64) -> BlockCache.Probe {
        state.withLock { lru in
            if let block = lru.lookup(fileNumber: fileNumber, offset: offset, hash: hash) { return .hit(block) }
            return .miss(seenRecently: lru.recordMiss(hash: hash))
        }
    }

    /// Caches `block` (replacing an entry with the same key), evicting least recently used blocks
    /// until the shard is within capacity. A block larger than the whole shard is not cached.
    func insert(fileNumber: UInt64, offset: UInt64, hash: UInt64, block: Block) {
        state.withLock { $0.insert(fileNumber: fileNumber, offset: offset, hash: hash, block: block) }
    }

    /// Bytes of blocks held.
    var usage: Int { state.withLock { $0.usage } }

    /// Blocks held.
    var count: Int { state.withLock { $0.count } }

    /// The unsynchronized LRU map; every access goes through the shard's lock.
    private struct LRU {
        /// A cached block and its links; a free node has no block and is chained through `next`.
        struct Node {
            var fileNumber: UInt64
            var offset: UInt64
            var hash: UInt64
            var block: Block?
            var prev: Int32
            var next: Int32
        }

        let capacity: Int
        private(set) var usage = 0
        private(set) var count = 0
        private var nodes: [Node] = []
        /// Head of the free node chain, -1 when empty.
        private var freeNodes: Int32 = -1
        /// Most recently used node, -1 when empty.
        private var head: Int32 = -1
        /// Least recently used node, -1 when empty.
        private var tail: Int32 = -1
        /// Node index per slot, -1 for an empty slot. The count is a power of two.
        private var slots: [Int32]
        private var mask: Int

        /// Recently missed blocks, by hash (with the low bit set, so 0 means empty): a direct-mapped
        /// table as long as the shard holds 4 KiB blocks, so a block missed twice within about a
        /// cache's worth of other misses is remembered (a collision only admits a block early).
        private var ghosts: [UInt64]
        private let ghostMask: Int

        init(capacity: Int) {
            self.capacity = capacity
            slots = [Int32](repeating: -1, count: 64)
            mask = 63
            var ghostCount = 16
            while ghostCount < capacity / 4096 { ghostCount *= 2 }
            ghosts = [UInt64](repeating: 0, count: ghostCount)
            ghostMask = ghostCount - 1
        }

        /// Records a miss of the block with `hash` and returns whether it had missed recently (which
        /// also forgets it, as the caller is about to cache it).
        mutating func recordMiss(hash: UInt64) -> Bool {
            // The slot comes from bits that neither the shard choice nor the map slot use.
            let slot = Int(truncatingIfNeeded: hash >> 24) & ghostMask
            let tag = hash | 1
            if ghosts[slot] == tag {
                ghosts[slot] = 0
                return true
            }
            ghosts[slot] = tag
            return false
        }

        /// The slot holding the key, or the empty slot where it would go, and the node (-1 if absent).
        @inline(__always)
        private func find(fileNumber: UInt64, offset: UInt64, hash: UInt64) -> (slot: Int, node: Int32) {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let node = slots[slot]
                if node < 0 { return (slot, -1) }
                if nodes[Int(node)].offset == offset && nodes[Int(node)].fileNumber == fileNumber {
                    return (slot, node)
                }
                slot = (slot + 1) & mask
            }
        }

        mutating func lookup(fileNumber: UInt64, offset: UInt64, hash: UInt64) -> Block? {
            let node = find(fileNumber: fileNumber, offset: offset, hash: hash).node
            guard node >= 0 else { return nil }
            if node != head {
                unlink(node)
                pushFront(node)
            }
            return nodes[Int(node)].block
        }

        mutating func insert(fileNumber: UInt64, offset: UInt64, hash: UInt64, block: Block) {
            let charge = block.size
            guard charge <= capacity else { return }
            let (slot, existing) = find(fileNumber: fileNumber, offset: offset, hash: hash)
            if existing >= 0 {
                usage += charge - (nodes[Int(existing)].block?.size ?? 0)
                nodes[Int(existing)].block = block
                unlink(existing)
                pushFront(existing)
            } else {
                let node: Int32
                if freeNodes >= 0 {
                    node = freeNodes
                    freeNodes = nodes[Int(node)].next
                    nodes[Int(node)] = Node(
                        fileNumber: fileNumber, offset: offset, hash: hash, block: block, prev: -1, next: -1)
                } else {
                    node = Int32(nodes.count)
                    nodes.append(
                        Node(fileNumber: fileNumber, offset: offset, hash: hash, block: block, prev: -1, next: -1))
                }
                slots[slot] = node
                pushFront(node)
                usage += charge
                count += 1
                if count * 2 > slots.count { growSlots() }
            }
            while usage > capacity && tail >= 0 {
                evict(tail)
            }
        }

        /// Removes `node` from the map and the list and frees it.
        private mutating func evict(_ node: Int32) {
            let slot = find(
                fileNumber: nodes[Int(node)].fileNumber, offset: nodes[Int(node)].offset, hash: nodes[Int(node)].hash
            ).slot
            removeSlot(slot)
            unlink(node)
            usage -= nodes[Int(node)].block?.size ?? 0
            count -= 1
            nodes[Int(node)].block = nil
            nodes[Int(node)].next = freeNodes
            freeNodes = node
        }

        /// Empties `slot` and shifts later entries of its probe run back, so lookups need no
        /// tombstones.
        private mutating func removeSlot(_ slot: Int) {
            var hole = slot
            slots[hole] = -1
            var probe = hole
            while true {
                probe = (probe + 1) & mask
                let node = slots[probe]
                if node < 0 { return }
                let home = Int(truncatingIfNeeded: nodes[Int(node)].hash) & mask
                // The entry may move into the hole unless its home lies cyclically in (hole, probe].
                let staysPut = hole <= probe ? (home > hole && home <= probe) : (home > hole || home <= probe)
                if !staysPut {
                    slots[hole] = node
                    slots[probe] = -1
                    hole = probe
                }
            }
        }

        private mutating func growSlots() {
            let newCount = slots.count * 2
            slots = [Int32](repeating: -1, count: newCount)
            mask = newCount - 1
            var node = head
            while node >= 0 {
                var slot = Int(truncatingIfNeeded: nodes[Int(node)].hash) & mask
                while slots[slot] >= 0 { slot = (slot + 1) & mask }
                slots[slot] = node
                node = nodes[Int(node)].next
            }
        }

        private mutating func unlink(_ node: Int32) {
            let prev = nodes[Int(node)].prev
            let next = nodes[Int(node)].next
            if prev >= 0 { nodes[Int(prev)].next = next } else { head = next }
            if next >= 0 { nodes[Int(next)].prev = prev } else { tail = prev }
            nodes[Int(node)].prev = -1
            nodes[Int(node)].next = -1
        }

        private mutating func pushFront(_ node: Int32) {
            nodes[Int(node)].prev = -1
            nodes[Int(node)].next = head
            if head >= 0 { nodes[Int(head)].prev = node } else { tail = node }
            head = node
        }
    }
}
