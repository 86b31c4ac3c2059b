/// One entry of the replicated log.
public struct Entry: Sendable, Hashable {
    /// The term of the leader that created the entry.
    public var term: UInt64
    /// The entry's position in the log, starting at 1.
    public var index: UInt64
    /// Whether the entry is an application command or a membership change.
    public var kind: EntryKind
    /// The command's bytes, opaque to Raft.
    public var data: [UInt8]

    /// Creates an entry.
    public init(term: UInt64, index: UInt64, kind: EntryKind = .normal, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }
}
