/// What one meta page of a database file says, from ``BTreeInspector/metaPages(path:)``.
public struct BTreeMetaInfo: Sendable, Equatable, CustomStringConvertible {
    /// 0 or 1.
    public var slot: Int
    /// Why the page is not a valid meta page, or nil if it is.
    public var problem: String?
    /// The page size it records (the one assumed when it is invalid).
    public var pageSize: Int
    /// The transaction that wrote it.
    public var transactionID: UInt64
    /// The root bucket's root page.
    public var rootPage: UInt64
    /// The freelist's first page.
    public var freelistPage: UInt64
    /// The page count (high-water mark).
    public var pageCount: UInt64

    /// One line.
    public var description: String {
        if let problem { return "meta \(slot): invalid: \(problem)" }
        return
            "meta \(slot): txid \(transactionID), page size \(pageSize), root \(rootPage), freelist \(freelistPage), pages \(pageCount)"
    }
}
