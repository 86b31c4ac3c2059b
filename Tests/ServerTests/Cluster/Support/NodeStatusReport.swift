/// The JSON of `GET /status` (API.md), as a test reads it.
struct NodeStatusReport: Decodable, Sendable {
    /// One member of the cluster as the node sees it.
    struct Member: Decodable, Sendable {
        var id: String
        var httpAddr: String
        var raftAddr: String
        /// `voter` or `learner`.
        var role: String
    }

    var id: String
    /// `leader`, `follower`, `candidate` or `precandidate`.
    var state: String
    var term: UInt64
    /// The leader's node id, when one is known.
    var leader: String?
    /// The leader's HTTP address, when known.
    var leaderAddr: String?
    var commitIndex: UInt64
    var appliedIndex: UInt64
    var members: [Member]

    /// The ids of the voting members, sorted.
    var voters: [String] { members.filter { $0.role == "voter" }.map(\.id).sorted() }
}
