import Foundation

/// The few lines of HTTP/1.1 a starting node needs to ask a member to admit it (`POST /join`),
/// following the 307 a follower answers with to the leader. Blocking sockets on a thread of its own:
/// it runs once at start, and raftd's server module needs no HTTP client library for it.
enum JoinClient {
    /// Posts `body` to `http://address/join`, following up to five redirects; returns the final
    /// status code and body.
    static func postJoin(to address: String, body: [UInt8]) throws -> (status: Int, body: String) {
        var target = address
        var path = "/join"
        for _ in 0..<5 {
            let response = try post(to: target, path: path, body: body)
            guard response.status == 307, let location = response.location else {
                return (response.status, response.body)
            }
            // Location: http://HOST:PORT/path
            guard location.hasPrefix("http://") else { return (response.status, response.body) }
            let rest = location.dropFirst(7)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            target = String(rest[..<slash])
            path = slash == rest.endIndex ? "/join" : String(rest[slash...])
        }
        throw ConfigurationError("-join: too many redirects")
    }

    /// The members `GET /status` of `address` lists: raftd name and Raft address of each.
    static func members(at address: String) throws -> [(id: String, raftAddress: String)] {
        let response = try request("GET", to: address, path: "/status", body: [])
        guard response.status == 200 else { throw ConfigurationError("\(address)/status answered \(response.status)") }
        struct Status: Decodable {
            struct Member: Decodable {
                var id: String
                var raftAddr: String
            }
            var members: [Member]
        }
        let status = try JSONDecoder().decode(Status.self, from: Data(response.body.utf8))
        return status.members.map { ($0.id, $0.raftAddr) }
    }

    private static func post(to address: String, path: String, body: [UInt8]) throws
        -> (status: Int, location: String?, body: String)
    {
        try request("POST", to: address, path: path, body: body)
    }

    private static func request(_ method: String, to address: String, path: String, body: [UInt8]) throws
        -> (status: Int, location: String?, body: String)
    {
        guard let hostPort = HostPort(address) else { throw ConfigurationError("-join must be HOST:PORT") }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var info: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(hostPort.host, String(hostPort.port), &hints, &info) == 0, let first = info else {
            throw ConfigurationError("cannot resolve \(address)")
        }
        defer { freeaddrinfo(info) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw ConfigurationError("socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            throw ConfigurationError("cannot connect to \(address): errno \(errno)")
        }
        var request = Array(
            ("\(method) \(path) HTTP/1.1\r\nHost: \(address)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n").utf8)
        request += body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw ConfigurationError("sending to \(address) failed: errno \(errno)") }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[0..<n]
            if response.count > 1 << 20 { break }
        }
        let text = String(decoding: response, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let headerLines = parts.first?.components(separatedBy: "\r\n") ?? []
        guard let statusLine = headerLines.first, statusLine.hasPrefix("HTTP/1."),
            let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else { throw ConfigurationError("\(address) answered something that is not HTTP") }
        var location: String?
        for line in headerLines.dropFirst() where line.lowercased().hasPrefix("location:") {
            location = line.dropFirst("location:".count).trimmingCharacters(in: .whitespaces)
        }
        return (status, location, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}
