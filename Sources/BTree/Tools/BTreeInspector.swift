/// Read-only inspection of database files for tools such as `btree-tool`.
public enum BTreeInspector {
    /// Both meta pages of the file at `path`, valid or not, read directly from the file without opening
    /// (or locking) the database.
    public static func metaPages(path: String) throws -> [BTreeMetaInfo] {
        let file = try DatabaseFile(path: path, writable: false, create: false)
        defer { file.close() }
        let fileSize = try file.size()
        let length = Int(min(fileSize, Int64(2 * Page.maximumPageSize)))
        var bytes = [UInt8](repeating: 0, count: length)
        let read = try bytes.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return try file.read(into: base, count: length, at: 0)
        }
        guard read == length else { throw BTreeError.invalidFile(path: path, reason: "short read") }
        return bytes.withUnsafeBytes { raw in
            var pageSize = Meta.claimedPageSize(raw)
            if pageSize == nil {
                var size = Page.minimumPageSize
                while size <= Page.maximumPageSize && 2 * size <= raw.count {
                    let second = UnsafeRawBufferPointer(rebasing: raw[size...])
                    if Meta.claimedPageSize(second) == size {
                        pageSize = size
                        break
                    }
                    size *= 2
                }
            }
            let size = pageSize ?? 4096
            return (0..<2).map { slot in
                var info = BTreeMetaInfo(
                    slot: slot, problem: nil, pageSize: size, transactionID: 0, rootPage: 0, freelistPage: 0,
                    pageCount: 0)
                guard (slot + 1) * size <= raw.count else {
                    info.problem = "the file ends before it"
                    return info
                }
                let page = UnsafeRawBufferPointer(rebasing: raw[slot * size..<(slot + 1) * size])
                switch Meta.decode(page, slot: UInt64(slot), pageSize: size) {
                case .success(let meta) where Int64(meta.pageCount) * Int64(size) > fileSize:
                    info.problem = "needs \(meta.pageCount) pages but the file has only \(fileSize) bytes"
                case .success(let meta):
                    info.transactionID = meta.txid
                    info.rootPage = meta.root.root
                    info.freelistPage = meta.freelist
                    info.pageCount = meta.pageCount
                case .failure(.damaged(let reason)), .failure(.notMeta(let reason)):
                    info.problem = reason
                }
                return info
            }
        }
    }

    /// Every page of the database as of now, with what it is used for, and the problems
    /// ``BTreeDB/check()`` would report.
    public static func pages(of db: BTreeDB) throws -> (pages: [BTreePageInfo], problems: [BTreeProblem]) {
        try db.view { tx in
            var checker = Checker(tx)
            let problems = try checker.run()
            var pages: [BTreePageInfo] = []
            var runIndex = 0
            for (index, use) in checker.uses.enumerated() {
                let id = UInt64(index)
                let page = Page(tx.space.address(id))
                var info = BTreePageInfo(id: id, kind: "unreachable", bucket: nil, elements: nil, runIndex: nil)
                switch use {
                case .unknown: break
                case .meta: info.kind = "meta"
                case .freelist:
                    info.kind = "freelist"
                    runIndex = id == tx.meta.freelist ? 0 : runIndex + 1
                    info.runIndex = runIndex
                case .free: info.kind = "free"
                case .branch(let bucket), .leaf(let bucket):
                    info.kind = page.isBranch ? "branch" : "leaf"
                    info.bucket = bucket
                    info.elements = page.count
                case .overflow(let bucket, let index):
                    info.kind = "overflow"
                    info.bucket = bucket
                    info.runIndex = index
                }
                pages.append(info)
            }
            return (pages, problems)
        }
    }
}
