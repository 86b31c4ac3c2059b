/// Why the HTTP API refused or could not serve a request; each case maps to one status code and a
/// JSON body `{"error": "..."}`.
enum APIError: Error, Sendable, Equatable {
    /// 400: the request is malformed (missing or invalid parameter, bad id, empty key).
    case badRequest(String)
    /// 404: the key or lease does not exist.
    case notFound(String)
    /// 307 to the leader's HTTP address, or 503 when no leader is known.
    case notLeader(leaderHTTPAddress: String?)
    /// 413: the body is larger than the limit.
    case tooLarge(limit: Int)
    /// 503: the node cannot serve now (shutting down, no quorum, timed out waiting for commit).
    case unavailable(String)
    /// 500: the node's own storage failed; the message says how.
    case internalError(String)
}
