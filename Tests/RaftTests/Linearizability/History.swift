/// One client operation on the key-value model, as a linearizability checker sees it.
struct Operation: Hashable {
    enum Input: Hashable {
        case put(key: UInt64, value: UInt64)
        case get(key: UInt64)
    }

    var client: Int
    var input: Input
    /// For a get, the value read (0 when the key is absent); nil for a put.
    var output: UInt64?
    /// When the client invoked it (a logical clock).
    var invoke: UInt64
    /// When the client saw its result; nil if it never did (the operation may have taken effect at
    /// any time after `invoke`, or never).
    var response: UInt64?

    var key: UInt64 {
        switch input {
        case .put(let key, _), .get(let key): return key
        }
    }
}
