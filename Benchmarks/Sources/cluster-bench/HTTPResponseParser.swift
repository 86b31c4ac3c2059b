import Glibc

/// An incremental parser of HTTP/1.1 responses, fed the bytes of a connection as they arrive in pieces
/// of any size. It reads what a closed-loop client needs: the status code, where the response ends
/// (`Content-Length`, `Transfer-Encoding: chunked`, or the connection's close), whether the server
/// closes the connection after it, and, when asked, the body. It keeps one line buffer that it reuses,
/// so parsing a response allocates nothing (unless the body is collected).
///
/// Why not NIOHTTP1's `HTTPResponseDecoder`: it must observe every request as an `HTTPRequestHead`
/// written through `HTTPRequestEncoder`, which formats the head anew for every request and builds an
/// `HTTPHeaders` for every response; cluster-bench sends pre-encoded request bytes instead and only
/// needs the few facts above, which keeps the client's CPU per request small beside the servers it
/// measures on the same cores.
struct HTTPResponseParser {
    /// Where the parser is inside a response.
    enum State: Equatable {
        /// Reading the status line.
        case statusLine
        /// Reading header lines up to the empty line.
        case headers
        /// Reading a body of known length; the bytes still to come.
        case body(remaining: Int)
        /// Reading a chunk-size line.
        case chunkSize
        /// Reading a chunk's data; the bytes still to come.
        case chunkData(remaining: Int)
        /// Reading the line break after a chunk's data.
        case chunkDataEnd
        /// Reading trailer lines after the last chunk, up to the empty line.
        case trailers
        /// Reading a body that ends when the server closes the connection.
        case untilClose
        /// A whole response has been read; `reset()` starts the next one.
        case complete
    }

    /// Longest header section (status line and headers) accepted, in bytes.
    static let maximumHeaderBytes = 1 << 20
    /// Bytes of a line that are kept for parsing; the rest of a longer line is skipped (no header
    /// that matters here has a longer value).
    static let keptLineBytes = 1024
    /// Largest body or chunk accepted, in bytes.
    static let maximumBodyBytes = 1 << 40

    /// Where the parser is.
    private(set) var state = State.statusLine
    /// The response's status code, once its status line is read.
    private(set) var status = 0
    /// Whether the server closes the connection after this response (`Connection: close`, HTTP/1.0
    /// without keep-alive, or a body delimited by the close).
    private(set) var closesConnection = false
    /// Whether `body` collects the body's bytes (for setup requests; never in timed runs).
    var collectsBody: Bool
    /// The body's bytes so far when `collectsBody` is set.
    private(set) var body: [UInt8] = []

    /// The current line's first `keptLineBytes` bytes.
    private var line: [UInt8] = []
    /// The current line's full length, kept part or not.
    private var lineLength = 0
    /// Bytes of the header section so far.
    private var headerBytes = 0
    /// The `Content-Length` value, when the response has one.
    private var contentLength: Int?
    /// Whether the response is `Transfer-Encoding: chunked`.
    private var chunked = false

    /// A parser at the start of a response.
    init(collectsBody: Bool = false) {
        self.collectsBody = collectsBody
        line.reserveCapacity(Self.keptLineBytes)
    }

    /// Whether a whole response has been read.
    var isComplete: Bool { state == .complete }

    /// Starts the next response on the same connection, keeping the buffers' capacity.
    mutating func reset() {
        state = .statusLine
        status = 0
        closesConnection = false
        body.removeAll(keepingCapacity: true)
        line.removeAll(keepingCapacity: true)
        lineLength = 0
        headerBytes = 0
        contentLength = nil
        chunked = false
    }

    /// Parses `bytes` and returns how many it used: all of them, or fewer when the response is complete
    /// before their end (the rest belongs to the next response). Throws on a malformed response.
    mutating func parse(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        var position = 0
        while position < bytes.count {
            switch state {
            case .complete:
                return position
            case .body(let remaining):
                let taken = Swift.min(remaining, bytes.count - position)
                collect(bytes, position, taken)
                position += taken
                state = remaining == taken ? .complete : .body(remaining: remaining - taken)
            case .chunkData(let remaining):
                let taken = Swift.min(remaining, bytes.count - position)
                collect(bytes, position, taken)
                position += taken
                state = remaining == taken ? .chunkDataEnd : .chunkData(remaining: remaining - taken)
            case .untilClose:
                collect(bytes, position, bytes.count - position)
                position = bytes.count
            case .statusLine, .headers, .chunkSize, .chunkDataEnd, .trailers:
                guard let next = try readLine(bytes, from: position) else { return bytes.count }
                position = next
                try processLine()
                line.removeAll(keepingCapacity: true)
                lineLength = 0
            }
        }
        return position
    }

    /// Tells the parser that the server closed the connection; returns whether that completed the
    /// response (a body delimited by the close). Any other response cut short is incomplete.
    mutating func connectionClosed() -> Bool {
        if state == .untilClose { state = .complete }
        return state == .complete
    }

    /// Appends `count` body bytes at `position` when collecting.
    private mutating func collect(_ bytes: UnsafeRawBufferPointer, _ position: Int, _ count: Int) {
        guard collectsBody, count > 0 else { return }
        body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]))
    }

    /// Adds bytes from `position` up to the next line feed to the current line; returns the position
    /// after the line feed, or nil when the line continues in the next piece.
    private mutating func readLine(_ bytes: UnsafeRawBufferPointer, from position: Int) throws -> Int? {
        guard let start = bytes.baseAddress, position < bytes.count else { return nil }
        let base = start + position
        let available = bytes.count - position
        let newline = memchr(base, 0x0A, available)
        let length = newline.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? available
        let kept = Swift.min(length, Self.keptLineBytes - line.count)
        if kept > 0 {
            line.append(contentsOf: UnsafeRawBufferPointer(start: base, count: kept))
        }
        lineLength += length
        if state == .statusLine || state == .headers {
            headerBytes += length + (newline == nil ? 0 : 1)
            if headerBytes > Self.maximumHeaderBytes {
                throw BenchError("HTTP response headers longer than \(Self.maximumHeaderBytes) bytes")
            }
        }
        return newline == nil ? nil : position + length + 1
    }

    /// Acts on the complete current line (its line feed removed) for the current state.
    private mutating func processLine() throws {
        if lineLength == line.count, line.last == 0x0D {  // "\r" (of a line kept whole)
            line.removeLast()
            lineLength -= 1
        }
        switch state {
        case .statusLine:
            try processStatusLine()
        case .headers:
            if lineLength == 0 {
                try endOfHeaders()
            } else {
                try processHeader()
            }
        case .chunkSize:
            let size = try parseNumber(line[...].prefix { $0 != 0x3B && $0 != 0x20 && $0 != 0x09 }, hex: true)
            state = size == 0 ? .trailers : .chunkData(remaining: size)
        case .chunkDataEnd:
            guard lineLength == 0 else { throw BenchError("HTTP chunk not followed by CRLF") }
            state = .chunkSize
        case .trailers:
            if lineLength == 0 { state = .complete }
        case .body, .chunkData, .untilClose, .complete:
            preconditionFailure("processLine in state \(state)")
        }
    }

    /// Reads `HTTP/1.x SSS reason`.
    private mutating func processStatusLine() throws {
        // "HTTP/1." is 7 bytes, then the minor version, a space and three digits.
        guard line.count >= 12, Self.equalsIgnoringCase(line[0..<7], "http/1."), line[8] == 0x20,
            line[9...11].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), line.count == 12 || line[12] == 0x20
        else {
            let shown = String(decoding: line.prefix(40), as: UTF8.self)
            throw BenchError("malformed HTTP status line '\(shown)'")
        }
        status = line[9...11].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        closesConnection = line[7] == 0x30  // HTTP/1.0 closes unless it says keep-alive
        state = .headers
    }

    /// Reads one `Name: value` line, acting on the three headers that decide the framing.
    private mutating func processHeader() throws {
        guard let colon = line.firstIndex(of: 0x3A) else {
            throw BenchError("malformed HTTP header line (no ':')")
        }
        let name = line[..<colon]
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        if Self.equalsIgnoringCase(name, "content-length") {
            let length = try parseNumber(value, hex: false)
            if let existing = contentLength, existing != length {
                throw BenchError("HTTP response with two different Content-Length values")
            }
            contentLength = length
        } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
            // The last coding is the one that frames the message.
            var last = value
            Self.forEachToken(of: value) { last = $0 }
            if Self.equalsIgnoringCase(last, "chunked") {
                chunked = true
            } else {
                throw BenchError("unsupported Transfer-Encoding '\(String(decoding: value, as: UTF8.self))'")
            }
        } else if Self.equalsIgnoringCase(name, "connection") {
            var closes = closesConnection
            Self.forEachToken(of: value) { option in
                if Self.equalsIgnoringCase(option, "close") { closes = true }
                if Self.equalsIgnoringCase(option, "keep-alive") { closes = false }
            }
            closesConnection = closes
        }
    }

    /// Decides how the body is framed once the empty line after the headers is read.
    private mutating func endOfHeaders() throws {
        if status >= 100 && status < 200 {
            guard status != 101 else { throw BenchError("unexpected HTTP 101 Switching Protocols") }
            // An interim response (100 Continue): the final one follows.
            let collecting = collectsBody
            reset()
            collectsBody = collecting
            return
        }
        if status == 204 || status == 304 {
            state = .complete
        } else if chunked {
            state = .chunkSize
        } else if let contentLength {
            state = contentLength == 0 ? .complete : .body(remaining: contentLength)
        } else {
            closesConnection = true
            state = .untilClose
        }
    }

    /// Parses a decimal or hexadecimal number of at most `maximumBodyBytes`.
    private func parseNumber(_ digits: ArraySlice<UInt8>, hex: Bool) throws -> Int {
        guard !digits.isEmpty else { throw BenchError("HTTP response: empty number in a length field") }
        var result = 0
        for byte in digits {
            let digit: Int
            switch byte {
            case 0x30...0x39: digit = Int(byte - 0x30)
            case 0x61...0x66 where hex: digit = Int(byte - 0x61 + 10)
            case 0x41...0x46 where hex: digit = Int(byte - 0x41 + 10)
            default:
                throw BenchError("HTTP response: bad length '\(String(decoding: digits, as: UTF8.self))'")
            }
            result = result * (hex ? 16 : 10) + digit
            guard result <= Self.maximumBodyBytes else {
                throw BenchError("HTTP response: length over \(Self.maximumBodyBytes) bytes")
            }
        }
        return result
    }

    /// Calls `body` with each comma-separated token of a header value, without its surrounding spaces
    /// and tabs (no allocation, unlike `split`).
    private static func forEachToken(of value: ArraySlice<UInt8>, _ body: (ArraySlice<UInt8>) -> Void) {
        var rest = value
        while !rest.isEmpty {
            let end = rest.firstIndex(of: 0x2C) ?? rest.endIndex
            var token = rest[..<end]
            while let first = token.first, first == 0x20 || first == 0x09 { token = token.dropFirst() }
            while let last = token.last, last == 0x20 || last == 0x09 { token = token.dropLast() }
            body(token)
            rest = end == rest.endIndex ? rest[end...] : rest[(end + 1)...]
        }
    }

    /// Whether `bytes` spell `lowercase` in ASCII, ignoring case.
    private static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for (byte, wanted) in zip(bytes, expected) {
            let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if lowered != wanted { return false }
        }
        return true
    }
}
