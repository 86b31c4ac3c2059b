import Hummingbird
import NIOCore

/// raftd's HTTP API (API.md): one responder that dispatches on the raw path, so keys keep their
/// slashes and escapes exactly as sent, and a redirect can repeat the original path and query.
///
/// Routing is a few prefix comparisons rather than a router tree: the API is small and fixed, and
/// the request path is what bounds throughput.
struct RaftdResponder<Service: NodeService>: HTTPResponder {
    typealias Context = BasicRequestContext

    let service: Service
    /// The largest body accepted (a key's value, a keepalive's data); larger ones get 413.
    let maxBodySize: Int

    /// Where request counts and latencies go, if anywhere.
    let metrics: NodeMetrics?

    func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await route(request)
        } catch let error as APIError {
            response = Self.response(for: error, request: request)
        } catch is NIOTooManyBytesError {
            response = Self.response(for: .tooLarge(limit: maxBodySize), request: request)
        } catch {
            response = Self.response(for: .internalError("\(error)"), request: request)
        }
        if let metrics {
            let route = NodeMetrics.route(method: request.method.rawValue, path: request.uri.path[...])
            metrics.record(route, status: response.status.code, duration: ContinuousClock.now - start)
        }
        return response
    }

    // MARK: Routing

    private func route(_ request: Request) async throws -> Response {
        let path = request.uri.path
        let method = request.method
        if path.hasPrefix("/key/") {
            let key = try Self.decodedKey(path.utf8.dropFirst(5))
            switch method {
            case .get, .head:
                let level = try Self.readLevel(request)
                guard let value = try await service.getKey(key, level: level) else {
                    throw APIError.notFound("key not found")
                }
                return Self.bytes(value, contentType: "application/octet-stream")
            case .put, .post:
                let value = try await body(of: request)
                try await service.putKey(key, value: value)
                return Self.json("null")
            case .delete:
                try await service.deleteKey(key)
                return Self.json("null")
            default:
                throw APIError.badRequest("method \(method) not allowed on /key/")
            }
        }
        if path.hasPrefix("/lease/") {
            return try await leaseRoute(request, path: path.dropFirst(7))
        }
        switch (method, path) {
        case (.get, "/status"), (.head, "/status"):
            return Self.bytes((await service.status()).json(), contentType: "application/json")
        case (.get, "/metrics"):
            return Self.bytes(Array((await service.metrics()).utf8), contentType: "text/plain; version=0.0.4")
        case (.post, "/join"):
            let join = try JoinRequest.parse(try await body(of: request))
            try await service.join(id: join.id, httpAddress: join.httpAddr, raftAddress: join.raftAddr)
            return Self.json("null")
        case (.post, "/remove"):
            let remove = try RemoveRequest.parse(try await body(of: request))
            try await service.remove(id: remove.id)
            return Self.json("null")
        default:
            return Self.response(for: .notFound("no route \(method) \(path)"), request: request, status: .notFound)
        }
    }

    private func leaseRoute(_ request: Request, path: Substring) async throws -> Response {
        let method = request.method
        let isPost = method == .post
        if path == "grant" && isPost {
            let fields = try await fields(of: request)
            guard let ttlText = fields.string("ttl"), let ttl = UInt32(ttlText), (1...86_400).contains(ttl) else {
                throw APIError.badRequest("ttl must be a whole number of seconds from 1 to 86400")
            }
            guard let name = fields["name"], !name.isEmpty else { throw APIError.badRequest("missing lease name") }
            let id = try await service.grantLease(name: name, ttl: ttl)
            return Self.bytes(Array(String(id).utf8), contentType: "text/plain; charset=utf-8")
        }
        if let rest = Self.suffix(of: path, after: "keepalive/"), isPost {
            let id = try Self.leaseID(rest)
            let fields = try await fields(of: request)
            guard let key = fields["key"], !key.isEmpty else { throw APIError.badRequest("missing key") }
            guard let data = fields["data"] else { throw APIError.badRequest("missing data") }
            try await service.keepAlive(lease: id, key: key, data: data)
            return Self.json("null")
        }
        if let rest = Self.suffix(of: path, after: "revoke/"), isPost {
            try await service.revokeLease(try Self.leaseID(rest))
            return Self.json("null")
        }
        if let rest = Self.suffix(of: path, after: "timetolive/"), isPost || method == .get {
            let status = try await service.timeToLive(try Self.leaseID(rest))
            var out: [UInt8] = []
            status.appendJSON(to: &out, withKeys: true)
            return Self.bytes(out, contentType: "application/json")
        }
        if let rest = Self.suffix(of: path, after: "kv/"), isPost || method == .get {
            let keyPrefix = try Self.decodedKey(rest.utf8)
            let fields = try await fields(of: request)
            guard let prefix = fields["prefix"] else { throw APIError.badRequest("missing prefix") }
            let values = try await service.leaseData(keyPrefix: keyPrefix, namePrefix: prefix)
            var out: [UInt8] = [UInt8(ascii: "[")]
            for (offset, data) in values.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                if JSONText.isValid(data) { out += data } else { JSONText.appendString(&out, data) }
            }
            out.append(UInt8(ascii: "]"))
            return Self.bytes(out, contentType: "application/json")
        }
        if path == "list" && method == .get {
            var out: [UInt8] = [UInt8(ascii: "[")]
            for (offset, lease) in try await service.listLeases().enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                lease.appendJSON(to: &out, withKeys: false)
            }
            out.append(UInt8(ascii: "]"))
            return Self.bytes(out, contentType: "application/json")
        }
        throw APIError.notFound("no route \(method) /lease/\(path)")
    }

    // MARK: Request parts

    private func body(of request: Request) async throws -> [UInt8] {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodySize)
        return Array(buffer.readableBytesView)
    }

    /// The form fields of the body (when it is a form) followed by those of the query string.
    private func fields(of request: Request) async throws -> FormFields {
        var fields = FormFields()
        if request.method == .post {
            let body = try await body(of: request)
            if !body.isEmpty {
                guard let parsed = FormFields(body) else { throw APIError.badRequest("malformed form body") }
                fields = parsed
            }
        }
        if let query = request.uri.query {
            guard let parsed = FormFields(query.utf8) else { throw APIError.badRequest("malformed query string") }
            fields.merge(parsed)
        }
        return fields
    }

    private static func readLevel(_ request: Request) throws -> ReadLevel {
        guard let query = request.uri.query else { return .default }
        guard let fields = FormFields(query.utf8), let level = ReadLevel(query: fields.string("level")) else {
            throw APIError.badRequest("level must be default, stale or consistent")
        }
        return level
    }

    private static func decodedKey(_ raw: some Collection<UInt8>) throws -> [UInt8] {
        guard let key = PercentDecoding.decode(raw, plusIsSpace: false) else {
            throw APIError.badRequest("malformed percent-escape in key")
        }
        guard !key.isEmpty else { throw APIError.badRequest("empty key") }
        return key
    }

    private static func suffix(of path: Substring, after prefix: String) -> Substring? {
        path.hasPrefix(prefix) ? path.dropFirst(prefix.utf8.count) : nil
    }

    private static func leaseID(_ text: Substring) throws -> UInt64 {
        guard let id = UInt64(text) else { throw APIError.badRequest("lease id must be a decimal number") }
        return id
    }

    // MARK: Responses

    private static func bytes(_ body: [UInt8], contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    private static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        bytes(Array(text.utf8), contentType: "application/json", status: status)
    }

    /// The response for `error`: a JSON `{"error": ...}` with its status, or the redirect to the leader
    /// built from the original, still-escaped path and query.
    static func response(for error: APIError, request: Request, status: HTTPResponse.Status? = nil) -> Response {
        let code: HTTPResponse.Status
        let message: String
        switch error {
        case .badRequest(let text):
            (code, message) = (.badRequest, text)
        case .notFound(let text):
            (code, message) = (.notFound, text)
        case .notLeader(let leader?):
            let location = "http://\(leader)\(request.uri.description)"
            return Response(
                status: .temporaryRedirect, headers: [.location: location, .contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"error\":\"not the leader\"}")))
        case .notLeader(nil):
            (code, message) = (.serviceUnavailable, "no leader")
        case .tooLarge(let limit):
            (code, message) = (.contentTooLarge, "body larger than \(limit) bytes")
        case .unavailable(let text):
            (code, message) = (.serviceUnavailable, text)
        case .internalError(let text):
            (code, message) = (.internalServerError, text)
        }
        var out: [UInt8] = Array("{\"error\":".utf8)
        JSONText.appendString(&out, message)
        out.append(UInt8(ascii: "}"))
        return bytes(out, contentType: "application/json", status: status ?? code)
    }
}
