/// What `GET /status` reports about a node and its cluster.
struct NodeStatus: Sendable, Equatable {
    /// One member of the cluster.
    struct Member: Sendable, Equatable {
        var id: String
        var httpAddress: String
        var raftAddress: String
        /// `voter` or `learner`.
        var role: String
    }

    var id: String
    /// `leader`, `follower`, `candidate` or `precandidate`.
    var state: String
    var term: UInt64
    var leaderID: String?
    var leaderHTTPAddress: String?
    var commitIndex: UInt64
    var appliedIndex: UInt64
    var members: [Member]

    /// The JSON body of `/status`.
    func json() -> [UInt8] {
        var out: [UInt8] = Array("{\"id\":".utf8)
        JSONText.appendString(&out, id)
        out += Array(",\"state\":\"\(state)\",\"term\":\(term),\"leader\":".utf8)
        appendOptional(&out, leaderID)
        out += Array(",\"leaderAddr\":".utf8)
        appendOptional(&out, leaderHTTPAddress)
        out += Array(",\"commitIndex\":\(commitIndex),\"appliedIndex\":\(appliedIndex),\"members\":[".utf8)
        for (offset, member) in members.enumerated() {
            if offset > 0 { out.append(UInt8(ascii: ",")) }
            out += Array("{\"id\":".utf8)
            JSONText.appendString(&out, member.id)
            out += Array(",\"httpAddr\":".utf8)
            JSONText.appendString(&out, member.httpAddress)
            out += Array(",\"raftAddr\":".utf8)
            JSONText.appendString(&out, member.raftAddress)
            out += Array(",\"role\":\"\(member.role)\"}".utf8)
        }
        out += Array("]}".utf8)
        return out
    }

    private func appendOptional(_ out: inout [UInt8], _ text: String?) {
        if let text { JSONText.appendString(&out, text) } else { out += Array("null".utf8) }
    }
}
