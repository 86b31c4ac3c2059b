/// What a snapshot covers: the state machine's state after applying every entry up to `index`.
public struct SnapshotMetadata: Sendable, Hashable {
    /// The index of the last entry the snapshot includes.
    public var index: UInt64
    /// The term of that entry.
    public var term: UInt64
    /// The configuration in force at `index`.
    public var configuration: Configuration

    /// Creates snapshot metadata.
    public init(index: UInt64, term: UInt64, configuration: Configuration) {
        self.index = index
        self.term = term
        self.configuration = configuration
    }
}
