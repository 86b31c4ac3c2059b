import Foundation

/// One HTTP answer: status, headers in the order received, body bytes, and who sent it.
struct HTTPResponse: Sendable, CustomStringConvertible {
    /// The status code (200, 307, ...).
    var status: Int
    /// The header fields, names as sent.
    var headers: [(name: String, value: String)]
    /// The body, de-chunked.
    var body: [UInt8]
    /// The `HOST:PORT` that answered (after redirects, the last one).
    var address: String
    /// The `HOST:PORT`s that answered with a redirect on the way here, in order.
    var redirectedFrom: [String] = []

    /// The value of header `name` (case-insensitive), if present.
    func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    /// The body as UTF-8 text.
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON (top-level fragments allowed), or `nil` when it is not JSON.
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }

    /// The `error` string of a JSON error body `{"error": "..."}`, or `nil` when the body is not one.
    var errorMessage: String? {
        guard let object = json as? [String: Any], let message = object["error"] as? String else { return nil }
        return message
    }

    var description: String {
        let shown = body.count > 400 ? String(decoding: body.prefix(400), as: UTF8.self) + "…" : text
        let via = redirectedFrom.isEmpty ? "" : " (redirected from \(redirectedFrom.joined(separator: ", ")))"
        return "HTTP \(status) from \(address)\(via), \(body.count) bytes: \(shown)"
    }
}
