import NIOCore

/// Writes HTTP/1.1 requests as bytes, for `RequestSet`. Every request is keep-alive (HTTP/1.1's
/// default) and carries `Host` and, when it has a body, `Content-Length` and `Content-Type`.
enum HTTPRequestEncoding {
    /// `Content-Type` of form bodies (raftd's lease keepalive and lease kv).
    static let form = "application/x-www-form-urlencoded"
    /// `Content-Type` of JSON bodies (etcd's gateway).
    static let json = "application/json"
    /// `Content-Type` of raw value bytes (raftd's PUT /key).
    static let octetStream = "application/octet-stream"

    /// Appends one request to `buffer`. `target` is the path and query, already percent-escaped.
    static func write(
        into buffer: inout ByteBuffer, method: String, target: String, host: Endpoint,
        contentType: String? = nil, body: some Collection<UInt8> = [UInt8]()
    ) {
        buffer.writeString(method)
        buffer.writeStaticString(" ")
        buffer.writeString(target)
        buffer.writeStaticString(" HTTP/1.1\r\nHost: ")
        buffer.writeString(host.description)
        buffer.writeStaticString("\r\n")
        if !body.isEmpty || method == "POST" || method == "PUT" {
            buffer.writeStaticString("Content-Length: ")
            buffer.writeString(String(body.count))
            buffer.writeStaticString("\r\n")
        }
        if let contentType, !body.isEmpty {
            buffer.writeStaticString("Content-Type: ")
            buffer.writeString(contentType)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        buffer.writeBytes(body)
    }
}
