/// A `HOST:PORT` address as the command line and `/join` take it.
struct HostPort: Sendable, Hashable, CustomStringConvertible {
    var host: String
    var port: Int

    /// Parses `HOST:PORT` (the last colon splits; a port is 1...65535); `nil` when malformed.
    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        self.host = host
        self.port = port
    }

    var description: String { "\(host):\(port)" }
}
