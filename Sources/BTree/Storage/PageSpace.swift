import CCRC32C
import Synchronization

/// A transaction's window on the file: the map it reads through and the page count of the meta it
/// started from. Every page id that comes from the file is checked here before it is dereferenced.
///
/// A plain struct of raw pointers (the map itself is kept alive by the transaction), so the read paths
/// copy it freely without reference counting.
struct PageSpace {
    /// The first byte of the map.
    let base: UnsafeRawPointer
    /// Bytes per page.
    let pageSize: Int
    /// log2 of `pageSize`.
    let pageShift: Int
    /// Pages `0 ..< pageCount` exist for this transaction.
    let pageCount: UInt64
    /// Whether first reads verify checksums.
    let verifyChecksums: Bool
    /// The map's verified-page bits.
    let verifiedBits: UnsafeMutablePointer<Atomic<UInt64>>
    /// The map, for error messages; kept alive by the transaction.
    unowned(unsafe) let map: MemoryMap

    /// A window on `map` for a transaction that sees `pageCount` pages.
    init(map: MemoryMap, pageCount: UInt64, verifyChecksums: Bool) {
        base = map.base
        pageSize = map.pageSize
        pageShift = map.pageSize.trailingZeroBitCount
        self.pageCount = pageCount
        self.verifyChecksums = verifyChecksums
        verifiedBits = map.verifiedBits
        self.map = map
    }

    /// The address of page `id`, which the caller has checked to be below `pageCount`.
    @inline(__always)
    func address(_ id: UInt64) -> UnsafeRawPointer {
        base + (Int(truncatingIfNeeded: id) &<< pageShift)
    }

    /// Bytes of a page prefetched before its header is read: the header and the first elements.
    static let prefetchHead = 512

    /// Starts loading the head of page `id` into the cache (a hint; nothing for ids out of range), so
    /// that the header and the first elements arrive together rather than one miss after another.
    @inline(__always)
    func prefetchHead(_ id: UInt64) {
        guard id < pageCount else { return }
        raftd_prefetch_read(address(id), PageSpace.prefetchHead)
    }

    /// Starts loading the rest of the used part of tree page `page` (one that ``treePage(_:)``
    /// returned), whose head ``prefetchHead(_:)`` asked for: a binary search over it then waits for
    /// about one miss instead of one per probe, and a write that copies the page finds it in cache.
    @inline(__always)
    func prefetchBody(_ page: Page) {
        let used = page.usedLength(pageSize: pageSize)
        guard used > PageSpace.prefetchHead else { return }
        raftd_prefetch_read(page.base + PageSpace.prefetchHead, used - PageSpace.prefetchHead)
    }

    @inline(__always)
    private func isVerified(_ id: UInt64) -> Bool {
        verifiedBits[Int(truncatingIfNeeded: id &>> 6)].load(ordering: .relaxed) & (1 &<< (id & 63)) != 0
    }

    /// The branch or leaf page `id`, after checking that `id` is in range and, on the first read of the
    /// page by this process, that its checksum (if enabled), id and structure are sound.
    @inline(__always)
    func treePage(_ id: UInt64) throws -> Page {
        guard id >= 2 && id < pageCount else { throw outOfRange(id, what: "tree page") }
        let page = Page(address(id))
        if !isVerified(id) { try verifyTreePage(id, page) }
        return page
    }

    @inline(never)
    private func verifyTreePage(_ id: UInt64, _ page: Page) throws {
        if let problem = treePageProblem(id, page, checksum: verifyChecksums) {
            throw corruption(id, problem)
        }
        map.markVerified(id)
    }

    /// What is wrong with tree page `id`, or nil: checksum (when `checksum`), stored id, structure.
    func treePageProblem(_ id: UInt64, _ page: Page, checksum: Bool) -> String? {
        // Structure first: the checksummed length is derived from the elements, which must lie inside
        // the page.
        if let problem = page.structureProblem(pageSize: pageSize) {
            // Only the header field, clamped: the elements of a broken page cannot be trusted to
            // compute anything from.
            let covered = min(max(page.usedLength(pageSize: pageSize), Page.headerSize), pageSize)
            if checksum && Page.checksum(page.base, length: covered) != page.storedChecksum {
                return "checksum mismatch (\(problem))"
            }
            return problem
        }
        if checksum && Page.checksum(page.base, length: page.usedLength(pageSize: pageSize)) != page.storedChecksum {
            return "checksum mismatch"
        }
        guard page.id == id else { return "page header names page \(page.id)" }
        return nil
    }

    /// Pages an overflow run needs for a value of `length` bytes.
    @inline(__always)
    func overflowPages(forValueLength length: Int) -> Int {
        (Page.headerSize + length + pageSize - 1) &>> pageShift
    }

    /// The `length` bytes of the value stored in the overflow run starting at page `first`, after
    /// checking the run's range, header and (on first read, if enabled) checksum.
    func overflowValue(first: UInt64, length: Int) throws -> UnsafeRawBufferPointer {
        let pages = overflowPages(forValueLength: length)
        guard first >= 2, first < pageCount, pageCount - first >= UInt64(pages) else {
            throw outOfRange(first, what: "overflow run of \(pages) pages")
        }
        let page = Page(address(first))
        if !isVerified(first) {
            if let problem = overflowProblem(first, page, pages: pages, checksum: verifyChecksums) {
                throw corruption(first, problem)
            }
            map.markVerified(first)
        }
        return UnsafeRawBufferPointer(start: page.base + Page.headerSize, count: length)
    }

    /// What is wrong with the overflow run of `pages` pages at `first`, or nil.
    func overflowProblem(_ first: UInt64, _ page: Page, pages: Int, checksum: Bool) -> String? {
        guard page.kindValue == PageKind.overflow.rawValue, page.id == first, page.overflow == pages - 1 else {
            return "not the first page of an overflow run of \(pages) pages"
        }
        if checksum && Page.checksum(page.base, length: pages * pageSize) != page.storedChecksum {
            return "checksum mismatch"
        }
        return nil
    }

    /// Reads and validates the freelist run at page `id`: its ids, and how many pages the run occupies.
    func readFreelist(_ id: UInt64) throws -> (ids: [UInt64], pages: Int) {
        guard id >= 2 && id < pageCount else { throw outOfRange(id, what: "freelist page") }
        let page = Page(address(id))
        guard page.kindValue == PageKind.freelist.rawValue, page.id == id else {
            throw corruption(id, "not a freelist page")
        }
        let pages = page.overflow + 1
        guard UInt64(pages) <= pageCount - id else { throw outOfRange(id, what: "freelist run of \(pages) pages") }
        let length = pages * pageSize
        guard Page.checksum(page.base, length: length) == page.storedChecksum else {
            throw corruption(id, "freelist checksum mismatch")
        }
        let count = LittleEndian.u64(page.base, Page.headerSize)
        guard count <= UInt64((length - Page.headerSize - 8) / 8) else {
            throw corruption(id, "freelist claims \(count) ids, more than its \(pages) pages hold")
        }
        var ids: [UInt64] = []
        ids.reserveCapacity(Int(count))
        var previous: UInt64 = 0
        for i in 0..<Int(count) {
            let pageID = LittleEndian.u64(page.base, Page.headerSize + 8 + 8 * i)
            guard pageID >= 2, pageID < pageCount, pageID > previous else {
                throw corruption(id, "freelist entry \(i) (page \(pageID)) is out of range or out of order")
            }
            ids.append(pageID)
            previous = pageID
        }
        return (ids, pages)
    }

    /// A ``BTreeError/corruption(page:reason:)`` for page `id`, naming the file and byte offset.
    @inline(never)
    func corruption(_ id: UInt64, _ what: String) -> BTreeError {
        let offset = id.multipliedReportingOverflow(by: UInt64(pageSize))
        let place = offset.overflow ? "" : " at byte offset \(offset.partialValue)"
        return .corruption(page: id, reason: "\(what) (\(map.path)\(place))")
    }

    @inline(never)
    private func outOfRange(_ id: UInt64, what: String) -> BTreeError {
        corruption(id, "\(what) \(id) is out of range: the database has pages 2..<\(pageCount)")
    }
}
