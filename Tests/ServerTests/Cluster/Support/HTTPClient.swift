/// One-shot HTTP requests to a node, each on a fresh connection, optionally following redirects
/// as `curl -L` does (same method and body to the `Location`, which must be `http://HOST:PORT/...`).
enum HTTPClient {
    /// The redirect statuses that repeat the method and body.
    static let redirectStatuses: Set<Int> = [307, 308]

    /// Sends `method target` to `address` (`HOST:PORT`); with `followRedirects`, up to five 307/308
    /// hops are followed and recorded in the response's `redirectedFrom`.
    static func send(
        _ method: String, _ address: String, _ target: String, body: [UInt8] = [], headers: [(String, String)] = [],
        followRedirects: Bool = false, timeout: Int = 10
    ) throws -> HTTPResponse {
        var address = address
        var target = target
        var hops: [String] = []
        while true {
            let connection = HTTPConnection(address: address, timeout: timeout)
            defer { connection.disconnect() }
            var response = try connection.request(method, target, headers: headers, body: body)
            response.redirectedFrom = hops
            guard followRedirects, redirectStatuses.contains(response.status) else { return response }
            guard hops.count < 5 else { throw ClusterError("too many redirects: \(hops + [address])") }
            guard let location = response.header("Location"), let next = Self.split(location) else {
                throw ClusterError("redirect without a usable Location: \(response)")
            }
            hops.append(address)
            (address, target) = next
        }
    }

    /// `GET target` on `address`.
    static func get(_ address: String, _ target: String, followRedirects: Bool = false) throws -> HTTPResponse {
        try send("GET", address, target, followRedirects: followRedirects)
    }

    /// `PUT target` on `address` with `body`.
    static func put(
        _ address: String, _ target: String, body: [UInt8], followRedirects: Bool = false
    ) throws -> HTTPResponse {
        try send("PUT", address, target, body: body, followRedirects: followRedirects)
    }

    /// `POST target` on `address` with a form body as `curl -d a -d b` sends it: the fields joined
    /// by `&`, verbatim (curl's `-d` does not escape), typed `application/x-www-form-urlencoded`.
    static func postForm(
        _ address: String, _ target: String, fields: [String], followRedirects: Bool = false
    ) throws -> HTTPResponse {
        let body = Array(fields.joined(separator: "&").utf8)
        let headers = fields.isEmpty ? [] : [("Content-Type", "application/x-www-form-urlencoded")]
        return try send("POST", address, target, body: body, headers: headers, followRedirects: followRedirects)
    }

    /// `http://HOST:PORT/path?query` split into the address and the target, or `nil`.
    static func split(_ location: String) -> (address: String, target: String)? {
        guard location.hasPrefix("http://") else { return nil }
        let rest = location.dropFirst("http://".count)
        guard let slash = rest.firstIndex(of: "/") else { return (String(rest), "/") }
        return (String(rest[..<slash]), String(rest[slash...]))
    }
}
