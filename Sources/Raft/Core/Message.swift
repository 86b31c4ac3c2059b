/// One Raft RPC between two servers: who sends it, to whom, in which term, and what it says.
///
/// The core emits messages in ``Ready/messages`` and takes them in ``RaftCore/step(_:)``; the
/// transport ships their binary encoding (``encoded()``, ``init(decoding:)``), specified byte by byte
/// in `doc/raft_wire_format.md`.
public struct Message: Sendable, Hashable {
    /// The sender.
    public var from: NodeID
    /// The recipient.
    public var to: NodeID
    /// The sender's term (for a pre-vote request, the term the sender would campaign in; for a
    /// granted pre-vote, the term of the request it grants).
    public var term: UInt64
    /// What the message says.
    public var body: MessageBody

    /// Creates a message.
    public init(from: NodeID, to: NodeID, term: UInt64, body: MessageBody) {
        self.from = from
        self.to = to
        self.term = term
        self.body = body
    }
}
