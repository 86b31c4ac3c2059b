/// A server's HTTP address, `HOST:PORT`, where cluster-bench connects.
struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP address (an IPv6 address without brackets).
    var host: String
    /// The TCP port.
    var port: Int

    /// An endpoint at `host` and `port`.
    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `[IPV6]:PORT` or either after `http://` (raftd's status may give a URL);
    /// a trailing `/` is ignored.
    init(parsing text: String) throws {
        var rest = Substring(text)
        if rest.hasPrefix("http://") { rest = rest.dropFirst("http://".count) }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        let host: Substring
        let portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else {
                throw BenchError("bad endpoint '\(text)': expected [IPV6]:PORT")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            portText = rest[rest.index(close, offsetBy: 2)...]
        } else {
            guard let colon = rest.lastIndex(of: ":") else {
                throw BenchError("bad endpoint '\(text)': expected HOST:PORT")
            }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty else { throw BenchError("bad endpoint '\(text)': empty host") }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw BenchError("bad endpoint '\(text)': port must be 1...65535")
        }
        self.init(host: String(host), port: port)
    }

    /// Parses a comma-separated list of endpoints.
    static func list(parsing text: String) throws -> [Endpoint] {
        let items = text.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw BenchError("empty endpoint list '\(text)'") }
        return try items.map { try Endpoint(parsing: String($0)) }
    }

    /// `HOST:PORT`, with brackets around an IPv6 host; also the value of the `Host` header.
    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension Substring {
    /// The substring without leading and trailing spaces.
    func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}
