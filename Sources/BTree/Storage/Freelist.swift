/// The free pages: those a write transaction may allocate now, and those freed by recent
/// transactions that an open reader may still see (bbolt's "pending" pages).
///
/// It is a value: a write transaction works on its own copy, so a rollback simply drops the copy, and a
/// commit hands the copy back to the database.
struct Freelist: Equatable {
    /// Free page ids in descending order, so that the lowest id, allocated first, is at the end.
    private(set) var free: [UInt64] = []
    /// Pages freed by recent write transactions, in increasing transaction id order (transactions
    /// commit one after another). Pages freed by transaction `txid` were reachable from the meta of
    /// `txid - 1`, so they become reusable once every open read transaction has an id of at least
    /// `txid`. A short array rather than a dictionary: a transaction frees a page per node it writes,
    /// and hashing the id on each of those calls was a measurable part of a commit.
    private(set) var pending: [PendingPages] = []

    /// The pages one write transaction freed.
    struct PendingPages: Equatable {
        /// The transaction that freed them.
        var txid: UInt64
        /// Their ids, in the order they were freed.
        var ids: [UInt64]
    }

    /// An empty freelist.
    init() {}

    /// A freelist whose free pages are `ids` (in any order, without duplicates).
    init(ids: [UInt64]) {
        free = ids.sorted(by: >)
    }

    /// Pages allocatable now.
    var freeCount: Int { free.count }
    /// Pages waiting for old readers to finish.
    var pendingCount: Int { pending.reduce(0) { $0 + $1.ids.count } }
    /// Every free and pending page.
    var count: Int { freeCount + pendingCount }

    /// Every free and pending id in ascending order: what the freelist page stores. After a restart no
    /// reader survives, so pending pages are free then.
    func allIDs() -> [UInt64] {
        var pendingIDs: [UInt64] = []
        pendingIDs.reserveCapacity(pendingCount)
        for entry in pending { pendingIDs.append(contentsOf: entry.ids) }
        // Only the pending ids need sorting; the free ones already are (descending).
        pendingIDs.sort()
        var ids: [UInt64] = []
        ids.reserveCapacity(free.count + pendingIDs.count)
        var i = free.count - 1
        var j = 0
        while i >= 0 || j < pendingIDs.count {
            if j == pendingIDs.count || (i >= 0 && free[i] < pendingIDs[j]) {
                ids.append(free[i])
                i -= 1
            } else {
                ids.append(pendingIDs[j])
                j += 1
            }
        }
        return ids
    }

    /// Takes `n` free pages with consecutive ids (lowest ids first, so the file stays compact) and
    /// returns the first id, or nil if no such run is free.
    mutating func allocate(_ n: Int) -> UInt64? {
        guard n > 0, !free.isEmpty else { return nil }
        if n == 1 { return free.removeLast() }
        var runEnd = free.count - 1  // index of the lowest id of the run being measured
        for i in stride(from: free.count - 1, through: 0, by: -1) {
            if i + 1 < free.count && free[i] != free[i + 1] &+ 1 { runEnd = i }
            if runEnd - i + 1 == n {
                let first = free[runEnd]
                free.removeSubrange(i...runEnd)
                return first
            }
        }
        return nil
    }

    /// Records that transaction `txid` no longer uses pages `first ..< first + count`.
    mutating func free(txid: UInt64, first: UInt64, count: Int) {
        guard count > 0 else { return }
        if let last = pending.indices.last, pending[last].txid == txid {
            if count == 1 {
                pending[last].ids.append(first)
            } else {
                pending[last].ids.append(contentsOf: first..<first + UInt64(count))
            }
        } else if let index = pending.firstIndex(where: { $0.txid == txid }) {
            pending[index].ids.append(contentsOf: first..<first + UInt64(count))
        } else {
            let index = pending.firstIndex { $0.txid > txid } ?? pending.endIndex
            pending.insert(PendingPages(txid: txid, ids: Array(first..<first + UInt64(count))), at: index)
        }
    }

    /// Makes the pages freed by transactions `<= txid` allocatable.
    mutating func release(upTo txid: UInt64) {
        let releasable = pending.prefix { $0.txid <= txid }.count
        guard releasable > 0 else { return }
        var released: [UInt64] = []
        for entry in pending[..<releasable] { released.append(contentsOf: entry.ids) }
        pending.removeFirst(releasable)
        guard !released.isEmpty else { return }
        // `sort()` and `reverse()`: `sort(by: >)`, through its comparator closure, took several
        // times as many instructions (callgrind) and was most of a commit's freelist work.
        released.sort()
        released.reverse()
        free = Freelist.mergeDescending(free, released)
    }

    /// Merges two descending arrays into one, dropping duplicates (which would mean one page handed
    /// out twice; they cannot occur unless the file's freelist was damaged, and ``BTreeDB/check()``
    /// reports that).
    private static func mergeDescending(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var merged: [UInt64] = []
        merged.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            let next: UInt64
            if j == b.count || (i < a.count && a[i] > b[j]) {
                next = a[i]
                i += 1
            } else {
                next = b[j]
                j += 1
            }
            if merged.last != next { merged.append(next) }
        }
        return merged
    }

    /// Pages a freelist of `count` ids occupies: header, an 8-byte count, 8 bytes per id.
    static func pagesNeeded(count: Int, pageSize: Int) -> Int {
        (Page.headerSize + 8 + 8 * count + pageSize - 1) / pageSize
    }

    /// Encodes `ids` (ascending) as the freelist run `id` of `pages` pages at `buffer`, sealed.
    static func write(_ ids: [UInt64], id: UInt64, pages: Int, pageSize: Int, to buffer: UnsafeMutableRawPointer) {
        let length = pages * pageSize
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: length)
        LittleEndian.store(PageKind.freelist.rawValue, buffer, 4)
        LittleEndian.store(UInt32(pages - 1), buffer, 8)
        LittleEndian.store(id, buffer, 16)
        LittleEndian.store(UInt64(ids.count), buffer, Page.headerSize)
        var offset = Page.headerSize + 8
        for pageID in ids {
            LittleEndian.store(pageID, buffer, offset)
            offset += 8
        }
        Page.seal(buffer, length: length)
    }
}
