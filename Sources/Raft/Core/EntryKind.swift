/// What a log entry carries.
public enum EntryKind: UInt8, Sendable, Hashable {
    /// An application command, handed to the state machine when committed. A leader appends an
    /// empty one at the start of its term (a no-op) so that it can commit entries of earlier terms.
    case normal = 0
    /// A membership change: `data` is an encoded `ConfigurationChange`. It takes effect when it is
    /// appended, not when it commits (Raft's single-server change rule).
    case configurationChange = 1
}
