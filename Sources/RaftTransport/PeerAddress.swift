/// A peer's address parsed from `"host:port"` or `"[ipv6]:port"`.
struct PeerAddress: Hashable {
    var host: String
    var port: Int

    /// Parses `text`, or returns `nil` if it is not `host:port` with a port in 1...65535.
    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }
}
