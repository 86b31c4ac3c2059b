import NIOCore

/// Pre-encoded HTTP requests, the whole bytes of each (request line, headers, body), kept as slices of
/// one shared buffer. A client sends request `i` by writing `self[i]`: a slice shares the buffer's
/// storage, so sending allocates and copies nothing; the buffer is immutable, so clients on different
/// event loops may share it.
struct RequestSet: Sendable {
    /// One slice per request.
    private let requests: [ByteBuffer]

    /// Encodes `count` requests with `encode(i, &buffer)`, which appends request `i` to `buffer`.
    init(count: Int, _ encode: (Int, inout ByteBuffer) throws -> Void) rethrows {
        precondition(count > 0, "a request set needs at least one request")
        var buffer = ByteBufferAllocator().buffer(capacity: count * 128)
        var bounds: [(start: Int, length: Int)] = []
        bounds.reserveCapacity(count)
        for index in 0..<count {
            let start = buffer.writerIndex
            try encode(index, &buffer)
            bounds.append((start, buffer.writerIndex - start))
        }
        let whole = buffer
        requests = bounds.map { whole.getSlice(at: $0.start, length: $0.length) ?? ByteBuffer() }
    }

    /// The number of requests.
    var count: Int { requests.count }

    /// Request `index`'s bytes.
    @inline(__always)
    subscript(index: Int) -> ByteBuffer { requests[index] }
}
