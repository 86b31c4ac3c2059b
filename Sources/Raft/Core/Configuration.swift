/// The cluster's membership at some log index: every member with its address and role.
public struct Configuration: Sendable, Hashable {
    /// The members, sorted by id.
    public private(set) var members: [Member]

    /// Creates a configuration of `members` (sorted by id; a later duplicate id replaces an earlier).
    public init(members: [Member] = []) {
        var byID: [NodeID: Member] = [:]
        for member in members { byID[member.id] = member }
        self.members = byID.values.sorted { $0.id < $1.id }
    }

    /// The ids of the voting members, ascending.
    public var voters: [NodeID] { members.filter { $0.role == .voter }.map(\.id) }

    /// The ids of the learners, ascending.
    public var learners: [NodeID] { members.filter { $0.role == .learner }.map(\.id) }

    /// The member with `id`, if any.
    public func member(_ id: NodeID) -> Member? { members.first { $0.id == id } }

    /// Whether `id` is a voter.
    public func isVoter(_ id: NodeID) -> Bool { member(id)?.role == .voter }
}
