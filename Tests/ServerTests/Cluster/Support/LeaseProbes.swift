import Foundation
import Testing

/// Reads of a lease's visible state through the HTTP API, as probes for ``DisappearanceWatch``.
enum LeaseProbes {
    /// Whether `/lease/kv/{key}?prefix={name}` on `address` (redirects followed) lists `data`;
    /// `nil` when the node cannot answer right now.
    static func kvLists(_ address: String, key: String, name: String, data: String) throws -> Bool? {
        let response = try HTTPClient.get(address, "/lease/kv/\(key)?prefix=\(name)", followRedirects: true)
        guard response.status == 200, let values = response.json as? [Any] else { return nil }
        return values.contains { ($0 as? String) == data }
    }

    /// Whether `/lease/timetolive/{id}` on `address` (redirects followed) finds the lease, and when
    /// `key` is given, lists that key; `false` on 404, `nil` when the node cannot answer right now.
    static func timeToLiveLists(_ address: String, id: UInt64, key: String?) throws -> Bool? {
        let response = try HTTPClient.get(address, "/lease/timetolive/\(id)", followRedirects: true)
        if response.status == 404 { return false }
        guard response.status == 200, let object = response.json as? [String: Any] else { return nil }
        guard let key else { return true }
        let keys = (object["keys"] as? [[String: Any]]) ?? []
        return keys.contains { $0["key"] as? String == key }
    }

    /// Grants a lease of `ttl` seconds named `name` on `address` and returns its id.
    static func grant(_ address: String, name: String, ttl: Int) throws -> UInt64 {
        let response = try HTTPClient.send(
            "POST", address, "/lease/grant?ttl=\(ttl)&name=\(name)", followRedirects: true)
        guard let id = leaseID(of: response) else { throw ClusterError("grant \(name): \(response)") }
        return id
    }

    /// Keeps key `key` of lease `id` alive with `data`; returns when the request started and ended.
    @discardableResult
    static func keepAlive(_ address: String, id: UInt64, key: String, data: String) throws -> (
        start: Double, end: Double
    ) {
        let start = monotonicSeconds()
        let response = try HTTPClient.postForm(
            address, "/lease/keepalive/\(id)", fields: ["key=\(key)", "data=\(data)"], followRedirects: true)
        let end = monotonicSeconds()
        guard response.status == 200 else { throw ClusterError("keepalive \(id) \(key): \(response)") }
        return (start, end)
    }
}

/// Expects `seen` to have vanished no earlier than `notBefore` and no later than `notAfter`
/// (monotonic seconds), in messages relative to `origin`.
func expectVanished(
    _ seen: DisappearanceWatch.Disappearance?, _ what: String, notBefore: Double, notAfter: Double, origin: Double,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    func relative(_ time: Double) -> String { String(format: "%+.2f s", time - origin) }
    guard let seen, seen.vanished else {
        Issue.record(
            "\(what) never vanished (last seen at \(relative(seen?.lastSeenStart ?? .nan)), deadline \(relative(notAfter)))",
            sourceLocation: sourceLocation)
        return
    }
    #expect(
        seen.firstGoneEnd >= notBefore,
        "\(what) vanished too early: gone by \(relative(seen.firstGoneEnd)), promised until \(relative(notBefore))",
        sourceLocation: sourceLocation)
    #expect(
        seen.lastSeenStart <= notAfter,
        "\(what) vanished too late: still there at \(relative(seen.lastSeenStart)), deadline \(relative(notAfter))",
        sourceLocation: sourceLocation)
}
