import Synchronization

/// LevelDB's skiplist of memtable entries (see ``MemtableEntry``), kept in an ``Arena``, ordered by
/// internal key. One writer inserts at a time (the caller serializes inserts); any number of readers
/// search and walk it concurrently without locks. Nothing is ever removed: the whole list goes away
/// with its arena.
///
/// ## Node layout
///
/// A node of height `h` is one arena allocation, 8-byte aligned:
///
///     link[h-1] | … | link[1] | link[0] | entry bytes
///                               ^ node address
///
/// A node is addressed by its `link[0]`; `link[i]` (the address of the next node at level `i`, or 0)
/// sits `8 * i` bytes below it and the encoded entry starts 8 bytes above it. The height is not
/// stored: a search only ever follows level `i` of a node it reached at level `i` or above, which
/// the node has. The head node has the maximum height and no entry.
///
/// ## Memory ordering
///
/// Each link is an `Atomic<UInt>` (pointer bits) living in arena memory.
/// - The writer fills a new node completely (entry bytes, then its own links, with plain
///   initialisation since no reader can reach the node yet), then publishes it level by level,
///   bottom up, with a **release** store into the predecessor's link.
/// - Readers load links with **acquire**. An acquire load that returns the new node's address
///   synchronizes with the release store that published it, so every byte the writer wrote before
///   that store (the entry and the node's own links) is visible to the reader.
/// - Publishing bottom up means a reader that finds the node at level `i` can also find it at every
///   lower level; one that does not see it yet at some level simply sees the list as it was, which
///   is still sorted. Links never point backwards or to unpublished memory.
/// - `currentHeight` is read with relaxed ordering: a reader that sees a new, larger height before
///   the head's links at those levels are published reads 0 there and drops to the next level; a
///   reader that sees an older, smaller height only skips the express lanes.
/// - Arena bookkeeping (block list, cursor) is touched by the writer only; readers only read memory
///   reached through published links, which the arena never moves or frees while the list lives.
final class SkipList {
    /// The tallest a node can be: enough for millions of entries with branching 4.
    static let maxHeight = 12
    /// Each level holds about one in `branching` of the nodes of the level below it.
    private static let branching: UInt64 = 4
    private static let linkSize = MemoryLayout<Atomic<UInt>>.stride

    private let arena: Arena
    /// The head node: `maxHeight` links, no entry.
    private let head: UnsafeMutableRawPointer
    /// The height of the tallest node so far (at least 1). Written by the writer, read by all.
    private let currentHeight = Atomic<Int>(1)
    /// The writer's random state for node heights (a 64-bit xorshift*, seeded so runs repeat).
    private var randomState: UInt64
    /// The writer's scratch: the predecessor at every level of the node being inserted.
    private let predecessors: UnsafeMutablePointer<UnsafeMutableRawPointer>

    /// Creates an empty list whose nodes live in `arena`; `seed` fixes the node heights.
    init(arena: Arena, seed: UInt64 = 0xdead_beef) {
        self.arena = arena
        randomState = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
        head = SkipList.allocateNode(in: arena, height: SkipList.maxHeight, entryLength: 0)
        for level in 0..<SkipList.maxHeight {
            SkipList.link(head, level).initialize(to: Atomic<UInt>(0))
        }
        predecessors = .allocate(capacity: SkipList.maxHeight)
        predecessors.initialize(repeating: head, count: SkipList.maxHeight)
    }

    deinit {
        predecessors.deallocate()
    }

    // MARK: Node access

    /// Reserves a node of `height` links followed by `entryLength` entry bytes; returns its address.
    @inline(__always)
    private static func allocateNode(in arena: Arena, height: Int, entryLength: Int) -> UnsafeMutableRawPointer {
        let linksBytes = height &* linkSize
        let base = arena.allocate(linksBytes &+ entryLength, alignment: MemoryLayout<Atomic<UInt>>.alignment)
        base.bindMemory(to: Atomic<UInt>.self, capacity: height)
        return base + (linksBytes &- linkSize)
    }

    /// The link of `node` at `level`.
    @inline(__always)
    private static func link(_ node: UnsafeMutableRawPointer, _ level: Int) -> UnsafeMutablePointer<Atomic<UInt>> {
        (node - level &* linkSize).assumingMemoryBound(to: Atomic<UInt>.self)
    }

    /// The successor of `node` at `level` (acquire: its contents are visible), or nil.
    @inline(__always)
    private static func next(_ node: UnsafeMutableRawPointer, _ level: Int) -> UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: link(node, level).pointee.load(ordering: .acquiring))
    }

    /// The encoded entry of `node` (see ``MemtableEntry``).
    @inline(__always)
    static func entry(_ node: UnsafeRawPointer) -> UnsafeRawPointer {
        node + linkSize
    }

    // MARK: Reading (any thread)

    /// The first node, or nil when the list is empty.
    @inline(__always)
    func first() -> UnsafeRawPointer? {
        UnsafeRawPointer(SkipList.next(head, 0))
    }

    /// The node after `node` in order, or nil at the end.
    @inline(__always)
    func next(_ node: UnsafeRawPointer) -> UnsafeRawPointer? {
        UnsafeRawPointer(SkipList.next(UnsafeMutableRawPointer(mutating: node), 0))
    }

    /// The first node whose entry is at or after the internal key `(userKey, trailer)`, or nil.
    @inline(__always)
    func seek(userKey: UnsafeRawBufferPointer, trailer: UInt64) -> UnsafeRawPointer? {
        UnsafeRawPointer(findGreaterOrEqual(userKey: userKey, trailer: trailer, recordPredecessors: false))
    }

    /// Walks down from the head to the first node at or after `(userKey, trailer)`. When
    /// `recordPredecessors` (writer only) it leaves in `predecessors[level]` the last node before
    /// the key at every level.
    @inline(__always)
    private func findGreaterOrEqual(
        userKey: UnsafeRawBufferPointer, trailer: UInt64, recordPredecessors: Bool
    ) -> UnsafeMutableRawPointer? {
        var node = head
        var level = currentHeight.load(ordering: .relaxed) - 1
        // The node already known to be at or after the key: a lower level often leads to it again,
        // and comparing it twice would be wasted work.
        var knownAfter: UnsafeMutableRawPointer? = nil
        while true {
            let candidate = SkipList.next(node, level)
            if let candidate, candidate != knownAfter,
                MemtableEntry.compare(SkipList.entry(candidate), userKey: userKey, trailer: trailer) < 0
            {
                node = candidate
            } else {
                if recordPredecessors { predecessors[level] = node }
                if level == 0 { return candidate }
                knownAfter = candidate
                level -= 1
            }
        }
    }

    // MARK: Writing (one thread at a time)

    /// A random height in `1...maxHeight`, each step up taken with probability 1/branching.
    @inline(__always)
    private func randomHeight() -> Int {
        // xorshift64* : plenty for a geometric distribution, and two bits per level.
        randomState ^= randomState >> 12
        randomState ^= randomState << 25
        randomState ^= randomState >> 27
        var bits = randomState &* 0x2545_F491_4F6C_DD1D
        var height = 1
        while height < SkipList.maxHeight && bits % SkipList.branching == 0 {
            height += 1
            bits /= SkipList.branching
        }
        return height
    }

    /// Inserts an entry of `entryLength` bytes that `encode` writes at the pointer it is given.
    /// The entry's internal key must not already be in the list. Callers serialize calls.
    @inline(__always)
    func insert(entryLength: Int, encode: (UnsafeMutableRawPointer) -> Void) {
        let height = randomHeight()
        let node = SkipList.allocateNode(in: arena, height: height, entryLength: entryLength)
        let entry = UnsafeMutableRawPointer(mutating: SkipList.entry(node))
        encode(entry)

        let internalKey = MemtableEntry.internalKey(entry)
        let userKey = InternalKey.userKey(internalKey)
        let trailer = InternalKey.trailer(internalKey)
        let successor = findGreaterOrEqual(userKey: userKey, trailer: trailer, recordPredecessors: true)
        assert(
            successor.map { MemtableEntry.compare(SkipList.entry($0), userKey: userKey, trailer: trailer) != 0 }
                ?? true, "duplicate internal key in memtable")

        let oldHeight = currentHeight.load(ordering: .relaxed)
        if height > oldHeight {
            for level in oldHeight..<height { predecessors[level] = head }
            // Relaxed is enough: see the memory-ordering notes on the type.
            currentHeight.store(height, ordering: .relaxed)
        }
        for level in 0..<height {
            let predecessorLink = SkipList.link(predecessors[level], level)
            // The node is not reachable yet, so its own links need no ordering.
            SkipList.link(node, level).initialize(
                to: Atomic<UInt>(predecessorLink.pointee.load(ordering: .relaxed)))
            // Publish: a reader that acquires this link sees the node's entry and links.
            predecessorLink.pointee.store(UInt(bitPattern: node), ordering: .releasing)
        }
    }
}
