/// Reads a byte stream that arrives in chunks (a snapshot) as fixed-size pieces and varints.
struct ChunkReader {
    private let nextChunk: () throws -> [UInt8]
    private var buffer: [UInt8] = []
    private var position = 0

    /// A reader pulling chunks from `nextChunk`, which returns an empty array at the end.
    init(_ nextChunk: @escaping () throws -> [UInt8]) {
        self.nextChunk = nextChunk
    }

    /// Makes at least one unread byte available; `false` at the end of the stream.
    private mutating func fill() throws -> Bool {
        while position == buffer.count {
            let chunk = try nextChunk()
            if chunk.isEmpty { return false }
            buffer = chunk
            position = 0
        }
        return true
    }

    /// Exactly `count` bytes, handed to `body` in as many pieces as they arrived in.
    mutating func read(_ count: Int, into body: (ArraySlice<UInt8>) throws -> Void) throws {
        var left = count
        while left > 0 {
            guard try fill() else { throw StateMachineError.corruptRecord("snapshot ends early") }
            let take = min(left, buffer.count - position)
            try body(buffer[position..<position + take])
            position += take
            left -= take
        }
    }

    /// Exactly `count` bytes.
    mutating func bytes(_ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        try read(count) { out += $0 }
        return out
    }

    /// A varint.
    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            guard try fill() else { throw StateMachineError.corruptRecord("snapshot ends inside a varint") }
            let byte = buffer[position]
            position += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw StateMachineError.corruptRecord("snapshot varint too long")
    }

    /// Whether the stream has ended.
    mutating func atEnd() throws -> Bool { try !fill() }
}
