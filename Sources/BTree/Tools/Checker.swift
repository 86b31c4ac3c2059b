/// Walks every page a read-only transaction can see and reports what is inconsistent: the engine of
/// ``BTreeDB/check()`` and of `btree-tool pages`.
///
/// Every page of `0 ..< pageCount` must be exactly one of: a meta page (0, 1), part of the freelist
/// run, listed in the freelist, or reached once from the root through branch, leaf, nested-bucket and
/// overflow references. Checksums are always verified, whatever ``BTreeOptions/verifyChecksums`` says.
struct Checker {
    /// Problems beyond this many are counted but not listed.
    static let problemLimit = 1000

    private let tx: Transaction
    private let space: PageSpace
    private(set) var uses: [PageUse]
    private(set) var problems: [BTreeProblem] = []
    private var suppressed = 0

    init(_ tx: Transaction) {
        self.tx = tx
        space = tx.space
        uses = Array(repeating: .unknown, count: Int(tx.meta.pageCount))
    }

    /// Runs the whole check and returns the problems found (empty when the file is sound).
    mutating func run() throws -> [BTreeProblem] {
        try tx.ensureOpen()
        uses[0] = .meta
        uses[1] = .meta
        checkFreelist()
        walkBucket(root: tx.meta.root.root, name: "(root)", depth: 0)
        for (id, use) in uses.enumerated() where use == .unknown {
            report(.unreachable, UInt64(id), "page is neither reachable nor free")
        }
        if suppressed > 0 {
            problems.append(
                BTreeProblem(kind: .corruptPage, page: 0, message: "\(suppressed) further problems not listed"))
        }
        return problems
    }

    private mutating func report(_ kind: BTreeProblem.Kind, _ page: UInt64, _ message: String) {
        if problems.count < Checker.problemLimit {
            problems.append(BTreeProblem(kind: kind, page: page, message: message))
        } else {
            suppressed += 1
        }
    }

    /// Claims `count` pages from `first` for `use`; false (with a problem reported) if any is out of
    /// range or already claimed.
    private mutating func claim(_ first: UInt64, count: Int, as use: (Int) -> PageUse, from: String) -> Bool {
        guard first >= 2, first < tx.meta.pageCount, tx.meta.pageCount - first >= UInt64(count) else {
            report(
                .outOfRange, first,
                "\(from) refers to pages \(first)..<\(first &+ UInt64(count)) beyond 2..<\(tx.meta.pageCount)")
            return false
        }
        var ok = true
        for index in 0..<count {
            let id = Int(first) + index
            if uses[id] != .unknown {
                report(.doubleUse, UInt64(id), "\(from) uses a page already used as \(describe(uses[id]))")
                ok = false
            } else {
                uses[id] = use(index)
            }
        }
        return ok
    }

    private func describe(_ use: PageUse) -> String {
        switch use {
        case .unknown: "nothing"
        case .meta: "a meta page"
        case .freelist: "the freelist"
        case .free: "a free page"
        case .branch(let bucket): "a branch page of \(bucket)"
        case .leaf(let bucket): "a leaf page of \(bucket)"
        case .overflow(let bucket, _): "an overflow page of \(bucket)"
        }
    }

    private mutating func checkFreelist() {
        let id = tx.meta.freelist
        do {
            let (ids, pages) = try space.readFreelist(id)
            _ = claim(id, count: pages, as: { _ in .freelist }, from: "the meta page's freelist")
            for free in ids { _ = claim(free, count: 1, as: { _ in .free }, from: "the freelist") }
        } catch {
            report(.corruptPage, id, "freelist: \(error)")
        }
    }

    /// Walks the tree of a bucket whose root page is `root`.
    private mutating func walkBucket(root: UInt64, name: String, depth: Int) {
        guard depth < TreePath.maxDepth else {
            report(.corruptPage, root, "buckets nested deeper than \(TreePath.maxDepth)")
            return
        }
        var leafDepth: Int?
        walkPage(
            root, bucket: name, from: "the root of \(name)", level: 0, lower: nil, upper: nil, leafDepth: &leafDepth,
            bucketDepth: depth)
    }

    private mutating func walkPage(
        _ id: UInt64, bucket: String, from: String, level: Int, lower: [UInt8]?, upper: [UInt8]?,
        leafDepth: inout Int?, bucketDepth: Int
    ) {
        guard level < TreePath.maxDepth else {
            report(.corruptPage, id, "\(bucket): tree deeper than \(TreePath.maxDepth) levels")
            return
        }
        guard id >= 2, id < tx.meta.pageCount else {
            report(.outOfRange, id, "\(bucket): tree refers to page \(id) beyond 2..<\(tx.meta.pageCount)")
            return
        }
        let page = Page(space.address(id))
        if let problem = space.treePageProblem(id, page, checksum: true) {
            _ = claim(id, count: 1, as: { _ in .leaf(bucket: bucket) }, from: from)
            report(.corruptPage, id, "\(bucket): \(problem)")
            return
        }
        let isLeaf = page.isLeaf
        let use: PageUse = isLeaf ? .leaf(bucket: bucket) : .branch(bucket: bucket)
        guard claim(id, count: 1, as: { _ in use }, from: from) else { return }

        // Keys ascend strictly and stay within the range the parent assigns.
        var previous: [UInt8]?
        let count = page.count
        for i in 0..<count {
            let key = [UInt8](isLeaf ? page.leafKey(i) : page.branchKey(i))
            if let previous, !previous.lexicographicallyPrecedes(key) {
                report(.keyOrder, id, "\(bucket): key \(i) does not sort after key \(i - 1)")
            }
            if let lower, key.lexicographicallyPrecedes(lower) {
                report(.keyOrder, id, "\(bucket): key \(i) sorts before the parent's key for this page")
            }
            if let upper, !key.lexicographicallyPrecedes(upper) {
                report(.keyOrder, id, "\(bucket): key \(i) does not sort before the next sibling's key")
            }
            previous = key
        }

        if isLeaf {
            if let expected = leafDepth, expected != level {
                report(.unevenDepth, id, "\(bucket): leaf at depth \(level), others at depth \(expected)")
            }
            leafDepth = leafDepth ?? level
            for i in 0..<count {
                switch page.leafFlags(i) {
                case LeafFlags.overflow:
                    checkOverflow(page.leafOverflowPage(i), length: page.leafValueSize(i), bucket: bucket, from: id)
                case LeafFlags.bucket:
                    if let bytes = page.leafInline(i).baseAddress {
                        let name = bucket + "/" + Bucket.displayName([UInt8](page.leafKey(i)))
                        walkBucket(root: BucketHeader(bytes).root, name: name, depth: bucketDepth + 1)
                    }
                default:
                    break
                }
            }
        } else {
            for i in 0..<count {
                let childLower = [UInt8](page.branchKey(i))
                let childUpper = i + 1 < count ? [UInt8](page.branchKey(i + 1)) : upper
                walkPage(
                    page.branchChild(i), bucket: bucket, from: "\(bucket) branch page \(id) element \(i)",
                    level: level + 1, lower: i == 0 ? lower : childLower,
                    upper: childUpper, leafDepth: &leafDepth, bucketDepth: bucketDepth)
            }
        }
    }

    private mutating func checkOverflow(_ first: UInt64, length: Int, bucket: String, from leaf: UInt64) {
        let pages = space.overflowPages(forValueLength: length)
        guard
            claim(
                first, count: pages, as: { .overflow(bucket: bucket, index: $0) }, from: "\(bucket) leaf page \(leaf)")
        else { return }
        if let problem = space.overflowProblem(first, Page(space.address(first)), pages: pages, checksum: true) {
            report(.corruptPage, first, "\(bucket): overflow run: \(problem)")
        }
    }
}
