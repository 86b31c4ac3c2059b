/// The answer to a ``RaftCore/readIndex(context:)`` request: once the local state machine has
/// applied `index`, a read of it is linearizable with every write acknowledged before the request.
public struct ReadState: Sendable, Hashable {
    /// The commit index the leader confirmed while it still held leadership.
    public var index: UInt64
    /// The request's context, as given to ``RaftCore/readIndex(context:)``.
    public var context: [UInt8]

    /// Creates a read state.
    public init(index: UInt64, context: [UInt8]) {
        self.index = index
        self.context = context
    }
}
