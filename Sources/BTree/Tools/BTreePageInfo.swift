/// One page of a database file as ``BTreeInspector/pages(of:)`` found it (like `bbolt pages`).
public struct BTreePageInfo: Sendable, Equatable, CustomStringConvertible {
    /// The page id.
    public var id: UInt64
    /// "meta", "freelist", "free", "branch", "leaf", "overflow" or "unreachable".
    public var kind: String
    /// The bucket the page belongs to ("(root)/\"name\"/..."), for tree and overflow pages.
    public var bucket: String?
    /// Elements in a branch or leaf page.
    public var elements: Int?
    /// For the first page of an overflow or freelist run, the pages that follow it in the run; for a
    /// later page of an overflow run, its index in the run.
    public var runIndex: Int?

    /// One line: id, kind, elements or run, bucket.
    public var description: String {
        var line = "\(id)\t\(kind)"
        if let elements { line += "\t\(elements) elements" }
        if let runIndex { line += "\trun page \(runIndex)" }
        if let bucket { line += "\t\(bucket)" }
        return line
    }
}
