import Testing

@testable import cluster_bench

@Suite("cluster-bench: HTTP response parser")
struct HTTPResponseParserTests {
    /// What a parse of one response found.
    private struct Parsed: Equatable {
        var status: Int
        var body: String
        var closes: Bool
        /// Bytes consumed up to the response's end.
        var consumed: Int
    }

    /// Parses `text`, fed in pieces that end at `splits` (offsets), until one response is complete.
    private func parse(_ text: String, splits: [Int] = [], closeAtEnd: Bool = false) throws -> Parsed? {
        let bytes = Array(text.utf8)
        var parser = HTTPResponseParser(collectsBody: true)
        var consumed = 0
        var cuts = splits.filter { $0 > 0 && $0 < bytes.count }
        cuts.append(bytes.count)
        var start = 0
        for end in cuts {
            let used = try bytes[start..<end].withUnsafeBytes { try parser.parse($0) }
            consumed += used
            if parser.isComplete { break }
            #expect(used == end - start, "an incomplete response uses every byte")
            start = end
        }
        if !parser.isComplete && closeAtEnd { _ = parser.connectionClosed() }
        guard parser.isComplete else { return nil }
        return Parsed(
            status: parser.status, body: String(decoding: parser.body, as: UTF8.self),
            closes: parser.closesConnection, consumed: consumed)
    }

    private static let contentLength =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 13\r\n\r\n{\"ok\": true }"
    private static let chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nDate: x\r\n\r\n"
        + "5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nTrailer: t\r\n\r\n"

    @Test("a Content-Length response, whole and split at every byte")
    func contentLengthResponse() throws {
        let expected = Parsed(
            status: 200, body: "{\"ok\": true }", closes: false, consumed: Self.contentLength.utf8.count)
        #expect(try parse(Self.contentLength) == expected)
        for split in 1..<Self.contentLength.utf8.count {
            #expect(try parse(Self.contentLength, splits: [split]) == expected, "split at \(split)")
        }
        #expect(try parse(Self.contentLength, splits: Array(1..<Self.contentLength.utf8.count)) == expected)
    }

    @Test("a chunked response with an extension and a trailer, whole and split at every byte")
    func chunkedResponse() throws {
        let expected = Parsed(status: 200, body: "hello, world!!!", closes: false, consumed: Self.chunked.utf8.count)
        #expect(try parse(Self.chunked) == expected)
        for split in 1..<Self.chunked.utf8.count {
            #expect(try parse(Self.chunked, splits: [split]) == expected, "split at \(split)")
        }
        #expect(try parse(Self.chunked, splits: Array(1..<Self.chunked.utf8.count)) == expected)
    }

    @Test("bytes after a complete response are left for the next one; reset parses it")
    func pipelinedResponses() throws {
        let first = "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}"
        let second = "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://x/\r\nContent-Length: 0\r\n\r\n"
        let bytes = Array((first + second).utf8)
        var parser = HTTPResponseParser()
        let used = try bytes.withUnsafeBytes { try parser.parse($0) }
        #expect(used == first.utf8.count && parser.isComplete && parser.status == 404)
        parser.reset()
        let rest = try bytes[used...].withUnsafeBytes { try parser.parse($0) }
        #expect(rest == second.utf8.count && parser.isComplete && parser.status == 307)
    }

    @Test("connection handling: close, HTTP/1.0, and a body delimited by the close")
    func connectionClose() throws {
        let close = "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n"
        #expect(try parse(close)?.closes == true)
        #expect(try parse("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx")?.closes == true)
        #expect(try parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx")?.closes == false)
        let untilClose = "HTTP/1.1 200 OK\r\n\r\nall of it"
        #expect(try parse(untilClose) == nil, "incomplete until the close")
        #expect(try parse(untilClose, closeAtEnd: true)?.body == "all of it")
        // A body cut short by the close is not a response.
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", closeAtEnd: true) == nil)
    }

    @Test("no body on 204 and 304; an interim 100 Continue is skipped")
    func bodilessResponses() throws {
        #expect(try parse("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n")?.status == 204)
        #expect(try parse("HTTP/1.1 304 Not Modified\r\n\r\n")?.status == 304)
        let interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"
        #expect(try parse(interim) == Parsed(status: 201, body: "ok", closes: false, consumed: interim.utf8.count))
    }

    @Test("malformed responses throw, never crash")
    func malformed() {
        let bad = [
            "HTTP/2 200 OK\r\n\r\n",
            "HTTP/1.1 20x OK\r\n\r\n",
            "SSH-2.0-OpenSSH\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
            "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
        ]
        for text in bad {
            #expect(throws: BenchError.self, "\(text.debugDescription)") { try parse(text) }
        }
        // An endless header section is refused once it passes the limit.
        var parser = HTTPResponseParser()
        let header = Array("HTTP/1.1 200 OK\r\n".utf8) + Array(repeating: UInt8(ascii: "a"), count: 1 << 21)
        #expect(throws: BenchError.self) { try header.withUnsafeBytes { try parser.parse($0) } }
    }
}
