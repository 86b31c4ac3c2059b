#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The page runs a commit writes: buffers for every node, overflow value and freelist page, keyed by
/// their page ids, written to the file in id order with as few `pwritev` calls as the ids allow.
final class DirtyPages {
    // Properties marked `@exclusivity(unchecked)` skip the runtime's exclusive-access checks, which
    // were 15% of the instructions of a random fill. Safe because the object belongs to one
    // transaction, used by one thread at a time, and no method holds an inout access to such a
    // property across a call that reaches the same property.
    /// One run of consecutive pages and its buffer.
    struct Run {
        /// The first page id.
        var id: UInt64
        /// Pages in the run.
        var pages: Int
        /// `pages * pageSize` bytes.
        var buffer: UnsafeMutableRawPointer
        /// Whether the run is the freelist (not a tree page or overflow run).
        var isFreelist: Bool
        /// Bytes the checksum covers: the used part of a tree page, else the whole run.
        var checksummedLength: Int
    }

    private static let chunkPages = 64

    let pageSize: Int
    @exclusivity(unchecked) private(set) var runs: [Run] = []
    @exclusivity(unchecked) private var chunks: [UnsafeMutableRawPointer] = []
    @exclusivity(unchecked) private var chunkCursor: UnsafeMutableRawPointer?
    @exclusivity(unchecked) private var chunkPagesLeft = 0

    init(pageSize: Int) {
        self.pageSize = pageSize
    }

    deinit {
        for chunk in chunks { chunk.deallocate() }
    }

    /// Pages in all runs.
    var pageCount: Int { runs.reduce(0) { $0 + $1.pages } }

    /// A one-page buffer whose page id is not known yet (a leaf image); ``adopt(_:id:usedLength:)``
    /// makes it a run once it is. Freed with the other buffers.
    func unassignedPage() -> UnsafeMutableRawPointer {
        pageMemory(pages: 1)
    }

    /// Registers `buffer` (from ``unassignedPage()``) as the one-page run `id` whose first
    /// `usedLength` bytes are checksummed.
    func adopt(_ buffer: UnsafeMutableRawPointer, id: UInt64, usedLength: Int) {
        runs.append(Run(id: id, pages: 1, buffer: buffer, isFreelist: false, checksummedLength: usedLength))
    }

    /// A buffer for the run of `pages` pages starting at `id`, uninitialized.
    func buffer(id: UInt64, pages: Int, isFreelist: Bool = false) -> UnsafeMutableRawPointer {
        let buffer = pageMemory(pages: pages)
        runs.append(
            Run(id: id, pages: pages, buffer: buffer, isFreelist: isFreelist, checksummedLength: pages * pageSize))
        return buffer
    }

    /// `pages` pages of memory, from the current chunk when they fit.
    private func pageMemory(pages: Int) -> UnsafeMutableRawPointer {
        if pages > DirtyPages.chunkPages / 4 {
            let buffer = DirtyPages.allocate(pages * pageSize, alignment: pageSize)
            chunks.append(buffer)
            return buffer
        }
        let start: UnsafeMutableRawPointer
        if let cursor = chunkCursor, chunkPagesLeft >= pages {
            start = cursor
        } else {
            start = DirtyPages.allocate(DirtyPages.chunkPages * pageSize, alignment: pageSize)
            chunks.append(start)
            chunkPagesLeft = DirtyPages.chunkPages
        }
        chunkCursor = start + pages * pageSize
        chunkPagesLeft -= pages
        return start
    }

    /// Page-aligned memory from the Swift allocator, which, like every allocation in Swift (arrays
    /// included), stops the process when memory is exhausted; a commit's size is bounded by the
    /// transaction's own writes, which the key and value limits bound.
    private static func allocate(_ bytes: Int, alignment: Int) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: alignment)
    }

    /// Records that only the first `length` bytes of the last run's page are in use (a tree page).
    func setUsedLength(_ length: Int) {
        runs[runs.count - 1].checksummedLength = length
    }

    /// Stores every run's checksum in its header.
    func seal() {
        for run in runs { Page.seal(run.buffer, length: run.checksummedLength) }
    }

    /// Writes every run to `file`, in page-id order: runs below page `fileEnd` (pages the file already
    /// has) with consecutive ids together in one `pwritev`, pages from `fileEnd` on one `pwrite` each.
    ///
    /// Why not coalesce the new pages too: Linux sizes a page-cache folio by the write that creates it,
    /// so one large write at the end of the file leaves large folios behind, and every later rewrite
    /// of a single page inside one pays for the whole folio in `ext4_block_write_begin`. Writes that
    /// extend the file are few; rewrites of single pages are most of a random fill's writes, so pages
    /// that enter the cache one by one keep those cheap (fillrandom, 1M keys: 1.8 s of system time
    /// with coalesced extensions, 1.15 s without).
    func write(to file: DatabaseFile, fileEnd: UInt64) throws {
        runs.sort { $0.id < $1.id }
        // One vector array for the whole commit: an array per group of runs was an allocation per
        // `pwrite`.
        var vectors: [iovec] = []
        let pageBytes = Int64(pageSize)
        var index = 0
        while index < runs.count {
            let first = runs[index]
            if first.id + UInt64(first.pages) > fileEnd {
                for page in 0..<first.pages {
                    try file.write(
                        UnsafeRawBufferPointer(start: first.buffer + page * pageSize, count: pageSize),
                        at: (Int64(first.id) + Int64(page)) * pageBytes)
                }
                index += 1
                continue
            }
            var next = first.id + UInt64(first.pages)
            var end = index + 1
            while end < runs.count && runs[end].id == next && next + UInt64(runs[end].pages) <= fileEnd {
                next += UInt64(runs[end].pages)
                end += 1
            }
            let offset = Int64(first.id) * pageBytes
            if end == index + 1 {
                try file.write(
                    UnsafeRawBufferPointer(start: first.buffer, count: first.pages * pageSize), at: offset)
            } else {
                vectors.removeAll(keepingCapacity: true)
                for run in runs[index..<end] {
                    vectors.append(iovec(iov_base: run.buffer, iov_len: run.pages * pageSize))
                }
                try file.write(vectors: vectors, at: offset)
            }
            index = end
        }
    }
}
