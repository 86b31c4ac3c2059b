/// How fresh a read must be (`?level=` of `GET /key/...`).
enum ReadLevel: Sendable {
    /// Read on the leader from its applied state (followers redirect).
    case `default`
    /// Read on whichever node got the request, no redirect; may lag the leader.
    case stale
    /// Linearizable: the leader confirms it still leads (ReadIndex) and waits until it has applied
    /// that far before reading.
    case consistent

    /// Parses the `level` query value; `nil` or empty means `.default`.
    init?(query value: String?) {
        switch value {
        case nil, "", "default": self = .default
        case "stale": self = .stale
        case "consistent": self = .consistent
        default: return nil
        }
    }
}
