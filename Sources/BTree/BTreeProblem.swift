/// One inconsistency ``BTreeDB/check()`` found in the file.
public struct BTreeProblem: Equatable, Sendable, CustomStringConvertible {
    /// What kind of inconsistency it is.
    public enum Kind: String, Equatable, Sendable {
        /// A page id at or beyond the end of the database, or a reference to a meta page.
        case outOfRange
        /// A page reached twice: by two parents, or both from the tree and from the freelist.
        case doubleUse
        /// A page that is neither reachable from the tree nor listed as free: a leak.
        case unreachable
        /// A page whose checksum, header or elements are damaged.
        case corruptPage
        /// Keys out of order within a page, or outside the range its parent assigns to it.
        case keyOrder
        /// Leaves of one bucket at different depths.
        case unevenDepth
    }

    /// What kind of inconsistency it is.
    public var kind: Kind
    /// The page it concerns.
    public var page: UInt64
    /// A human-readable account, naming the bucket where that helps.
    public var message: String

    /// A problem of `kind` at `page`, explained by `message`.
    public init(kind: Kind, page: UInt64, message: String) {
        self.kind = kind
        self.page = page
        self.message = message
    }

    /// `kind` and page, then the message.
    public var description: String { "\(kind.rawValue) page \(page): \(message)" }
}
