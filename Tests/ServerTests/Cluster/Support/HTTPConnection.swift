import Foundation

/// One HTTP/1.1 client connection to a node over a blocking POSIX socket, kept alive between requests.
///
/// The cluster tests cannot use URLSession (FoundationNetworking needs libcurl, which CI may lack),
/// and want exact control over what goes on the wire anyway: raw paths with their escapes, no
/// redirect following unless asked, bodies larger than the server's limit. Used from one thread at
/// a time.
final class HTTPConnection {
    /// The `HOST:PORT` this connection talks to.
    let address: String
    /// Seconds a connect, send or receive may block before the request fails.
    let timeout: Int
    private var socketFD: Int32 = -1
    /// Bytes received beyond the end of the last response.
    private var pending: [UInt8] = []

    /// A connection to `address` (`HOST:PORT`), opened lazily by the first request.
    init(address: String, timeout: Int = 10) {
        self.address = address
        self.timeout = timeout
    }

    deinit { disconnect() }

    /// Closes the socket; the next request opens a new one.
    func disconnect() {
        if socketFD >= 0 { close(socketFD) }
        socketFD = -1
        pending = []
    }

    /// Sends one request and reads its response. `target` is sent verbatim (path and query, escapes
    /// and all). A kept-alive connection the server closed in the meantime is reopened once.
    func request(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = []
    ) throws -> HTTPResponse {
        let reused = socketFD >= 0
        do {
            return try exchange(method, target, headers: headers, body: body)
        } catch let error as ConnectionClosedEarly where reused {
            _ = error
            disconnect()
            return try exchange(method, target, headers: headers, body: body)
        }
    }

    /// The server closed a kept-alive connection before answering anything: safe to retry.
    private struct ConnectionClosedEarly: Error {}

    private func exchange(
        _ method: String, _ target: String, headers: [(String, String)], body: [UInt8]
    ) throws -> HTTPResponse {
        if socketFD < 0 { try connectSocket() }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(address)\r\n"
        var hasContentLength = false
        for (name, value) in headers {
            head += "\(name): \(value)\r\n"
            if name.lowercased() == "content-length" { hasContentLength = true }
        }
        if !hasContentLength && (!body.isEmpty || method == "PUT" || method == "POST") {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        var request = Array(head.utf8)
        // One write for small requests, so Nagle's algorithm never waits for the peer's delayed ACK.
        if body.count <= 64 << 10 {
            request += body
            try sendAll(request, closedEarlyIsRetryable: true)
        } else {
            try sendAll(request, closedEarlyIsRetryable: true)
            do {
                try sendAll(body, closedEarlyIsRetryable: false)
            } catch {
                // The server may have answered (413) and closed before reading the whole body: read
                // what it said, if anything.
                if let response = try? readResponse(method: method, closedEarlyIsRetryable: false) {
                    disconnect()
                    return response
                }
                throw error
            }
        }
        return try readResponse(method: method, closedEarlyIsRetryable: true)
    }

    private func connectSocket() throws {
        let parts = address.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else { throw ClusterError("bad address \(address)") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClusterError("socket() failed: errno \(errno)") }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = port.bigEndian
        target.sin_addr.s_addr = inet_addr(String(parts[0]))
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw ClusterError("connect to \(address) failed: \(String(cString: strerror(code)))")
        }
        socketFD = fd
        pending = []
    }

    private func sendAll(_ bytes: [UInt8], closedEarlyIsRetryable: Bool) throws {
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a peer that closed (a killed node) must give EPIPE, not kill the test run.
            let n = bytes[sent...].withUnsafeBytes { send(socketFD, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let code = errno
                disconnect()
                if closedEarlyIsRetryable && sent == 0 && (code == EPIPE || code == ECONNRESET) {
                    throw ConnectionClosedEarly()
                }
                throw ClusterError("sending to \(address) failed: \(String(cString: strerror(code)))")
            }
            sent += n
        }
    }

    /// Reads more bytes into `pending`; returns `false` at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                pending += chunk[0..<n]
                return true
            }
            if n == 0 { return false }
            if errno == EINTR { continue }
            let code = errno
            if code == ECONNRESET { return false }
            throw ClusterError(
                "receiving from \(address) failed: \(code == EAGAIN ? "timed out after \(timeout) s" : String(cString: strerror(code)))"
            )
        }
    }

    private func readResponse(method: String, closedEarlyIsRetryable: Bool) throws -> HTTPResponse {
        while true {
            let response = try readOneResponse(method: method, closedEarlyIsRetryable: closedEarlyIsRetryable)
            // An interim 100 Continue precedes the real answer.
            if response.status != 100 { return response }
        }
    }

    private func readOneResponse(method: String, closedEarlyIsRetryable: Bool) throws -> HTTPResponse {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while true {
            if let end = Self.find(separator, in: pending) {
                headerEnd = end
                break
            }
            guard pending.count < 1 << 16 else { throw ClusterError("\(address): response header over 64 KiB") }
            guard try fill() else {
                let nothing = pending.isEmpty
                disconnect()
                if nothing && closedEarlyIsRetryable { throw ConnectionClosedEarly() }
                throw ClusterError("\(address) closed the connection before a complete response header")
            }
        }
        guard let headerEnd else { throw ClusterError("unreachable") }
        let headText = String(decoding: pending[0..<headerEnd], as: UTF8.self)
        pending.removeFirst(headerEnd + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let statusParts = statusLine.split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw ClusterError("\(address) answered a malformed status line: \(statusLine)")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append(
                (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        func value(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
        var body: [UInt8] = []
        if method == "HEAD" || status == 204 || status == 304 || status == 100 {
            // No body.
        } else if value("transfer-encoding")?.lowercased().contains("chunked") == true {
            body = try readChunked()
        } else if let lengthText = value("content-length") {
            guard let length = Int(lengthText), length >= 0 else {
                throw ClusterError("\(address): bad Content-Length \(lengthText)")
            }
            while pending.count < length {
                guard try fill() else { throw ClusterError("\(address) closed the connection mid-body") }
            }
            body = Array(pending[0..<length])
            pending.removeFirst(length)
        } else {
            while try fill() {}
            body = pending
            pending = []
            disconnect()
        }
        if value("connection")?.lowercased() == "close" { disconnect() }
        return HTTPResponse(status: status, headers: headers, body: body, address: address)
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        let lineEnd: [UInt8] = Array("\r\n".utf8)
        while true {
            var end = Self.find(lineEnd, in: pending)
            while end == nil {
                guard try fill() else { throw ClusterError("\(address) closed the connection mid-chunk") }
                end = Self.find(lineEnd, in: pending)
            }
            guard let end else { throw ClusterError("unreachable") }
            let sizeText = String(decoding: pending[0..<end], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw ClusterError("\(address): bad chunk size \(sizeText)")
            }
            pending.removeFirst(end + 2)
            while pending.count < size + 2 {
                guard try fill() else { throw ClusterError("\(address) closed the connection mid-chunk") }
            }
            if size == 0 {
                // No trailers expected from raftd: the empty line ends the body.
                pending.removeFirst(2)
                return body
            }
            body += pending[0..<size]
            pending.removeFirst(size + 2)
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = 0
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0] && Array(haystack[index..<index + needle.count]) == needle {
                return index
            }
            index += 1
        }
        return nil
    }
}
