/// The binary encoding of ``Message`` (specified in `doc/raft_wire_format.md`).
///
/// `version | kind | varint from | varint to | varint term | body`. Decoding checks every length and
/// count against the bytes that remain, rejects unknown versions, kinds and flags, and trailing bytes;
/// malformed input throws ``RaftCodecError`` and never traps.
extension Message {
    /// The version byte this build writes and reads.
    public static let wireVersion: UInt8 = 1

    /// The kind byte of each body.
    enum Kind: UInt8 {
        case requestVote = 1
        case voteResponse = 2
        case appendEntries = 3
        case appendResponse = 4
        case heartbeat = 5
        case heartbeatResponse = 6
        case installSnapshot = 7
        case timeoutNow = 8
        case readIndex = 9
        case readIndexResponse = 10
    }

    /// The message's binary encoding. The entries of an append are numbered implicitly from
    /// `prevLogIndex + 1` (as the core always numbers them); other indices are not preserved.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: estimatedEncodedSize)
        encode(into: &writer)
        return writer.bytes
    }

    /// Appends the message's binary encoding to `buffer`.
    public func encode(into buffer: inout [UInt8]) {
        var writer = ByteWriter(capacity: 0)
        swap(&writer.bytes, &buffer)
        encode(into: &writer)
        swap(&writer.bytes, &buffer)
    }

    /// Decodes a message from its binary encoding.
    ///
    /// - Throws: ``RaftCodecError`` if `bytes` is not exactly one well-formed message.
    public init(decoding bytes: [UInt8]) throws(RaftCodecError) {
        var reader = ByteReader(bytes)
        let version = try reader.readByte("version")
        guard version == Message.wireVersion else { throw .unsupportedVersion(version) }
        let kindByte = try reader.readByte("message kind")
        guard let kind = Kind(rawValue: kindByte) else {
            throw .malformed(offset: 1, reason: "unknown message kind \(kindByte)")
        }
        let from = try reader.readVarint("from")
        let to = try reader.readVarint("to")
        let term = try reader.readVarint("term")
        let body: MessageBody
        switch kind {
        case .requestVote:
            let lastLogIndex = try reader.readVarint("last log index")
            let lastLogTerm = try reader.readVarint("last log term")
            let flags = try Message.readFlags(&reader, allowed: 0b11)
            body = .requestVote(
                lastLogIndex: lastLogIndex, lastLogTerm: lastLogTerm, preVote: flags & 1 != 0,
                leadershipTransfer: flags & 2 != 0)
        case .voteResponse:
            let flags = try Message.readFlags(&reader, allowed: 0b11)
            body = .voteResponse(granted: flags & 1 != 0, preVote: flags & 2 != 0)
        case .appendEntries:
            let prevLogIndex = try reader.readVarint("previous log index")
            let prevLogTerm = try reader.readVarint("previous log term")
            let commit = try reader.readVarint("commit")
            let count = try reader.readCount("entry count", minimumItemSize: 3)
            guard UInt64(count) <= UInt64.max - prevLogIndex else {
                throw reader.malformed("entry indices overflow 64 bits")
            }
            var entries: [Entry] = []
            entries.reserveCapacity(count)
            var index = prevLogIndex
            for _ in 0..<count {
                index += 1
                let entryTerm = try reader.readVarint("entry term")
                let kindByte = try reader.readByte("entry kind")
                guard let entryKind = EntryKind(rawValue: kindByte) else {
                    throw .malformed(offset: reader.offset - 1, reason: "unknown entry kind \(kindByte)")
                }
                let data = try reader.readLengthPrefixed("entry data")
                entries.append(Entry(term: entryTerm, index: index, kind: entryKind, data: data))
            }
            body = .appendEntries(
                prevLogIndex: prevLogIndex, prevLogTerm: prevLogTerm, entries: entries, commit: commit)
        case .appendResponse:
            let rejected = try reader.readBool("rejected flag")
            let index = try reader.readVarint("index")
            let hintIndex = try reader.readVarint("hint index")
            let hintTerm = try reader.readVarint("hint term")
            body = .appendResponse(rejected: rejected, index: index, hintIndex: hintIndex, hintTerm: hintTerm)
        case .heartbeat:
            let commit = try reader.readVarint("commit")
            body = .heartbeat(commit: commit, context: try reader.readLengthPrefixed("context"))
        case .heartbeatResponse:
            body = .heartbeatResponse(context: try reader.readLengthPrefixed("context"))
        case .installSnapshot:
            let metadata = try SnapshotMetadata(from: &reader)
            let offset = try reader.readVarint("chunk offset")
            let done = try reader.readBool("done flag")
            let data = try reader.readLengthPrefixed("chunk data")
            body = .installSnapshot(SnapshotChunk(metadata: metadata, offset: offset, data: data, done: done))
        case .timeoutNow:
            body = .timeoutNow
        case .readIndex:
            body = .readIndex(context: try reader.readLengthPrefixed("context"))
        case .readIndexResponse:
            let index = try reader.readVarint("read index")
            body = .readIndexResponse(index: index, context: try reader.readLengthPrefixed("context"))
        }
        try reader.expectEnd("message")
        self.init(from: from, to: to, term: term, body: body)
    }

    /// Reads a flags byte, rejecting bits outside `allowed`.
    private static func readFlags(_ reader: inout ByteReader, allowed: UInt8) throws(RaftCodecError) -> UInt8 {
        let flags = try reader.readByte("flags")
        guard flags & ~allowed == 0 else {
            throw .malformed(offset: reader.offset - 1, reason: "unknown flag bits in \(flags)")
        }
        return flags
    }

    /// The kind byte of this message's body.
    var kind: Kind {
        switch body {
        case .requestVote: return .requestVote
        case .voteResponse: return .voteResponse
        case .appendEntries: return .appendEntries
        case .appendResponse: return .appendResponse
        case .heartbeat: return .heartbeat
        case .heartbeatResponse: return .heartbeatResponse
        case .installSnapshot: return .installSnapshot
        case .timeoutNow: return .timeoutNow
        case .readIndex: return .readIndex
        case .readIndexResponse: return .readIndexResponse
        }
    }

    /// A capacity guess that avoids regrowing the buffer for large appends and chunks.
    private var estimatedEncodedSize: Int {
        switch body {
        case .appendEntries(_, _, let entries, _):
            var size = 48
            for entry in entries { size += entry.data.count + 12 }
            return size
        case .installSnapshot(let chunk):
            return 64 + chunk.data.count + chunk.metadata.configuration.members.count * 32
        case .heartbeat(_, let context), .heartbeatResponse(let context), .readIndex(let context),
            .readIndexResponse(_, let context):
            return 40 + context.count
        default:
            return 40
        }
    }

    /// Writes the encoding. An append's entries are stored without their indices: the decoder numbers
    /// them from `prevLogIndex + 1`, which is what the core always sends (a follower ignores an
    /// append whose entries are not numbered so).
    func encode(into writer: inout ByteWriter) {
        writer.writeByte(Message.wireVersion)
        writer.writeByte(kind.rawValue)
        writer.writeVarint(from)
        writer.writeVarint(to)
        writer.writeVarint(term)
        switch body {
        case .requestVote(let lastLogIndex, let lastLogTerm, let preVote, let leadershipTransfer):
            writer.writeVarint(lastLogIndex)
            writer.writeVarint(lastLogTerm)
            writer.writeByte((preVote ? 1 : 0) | (leadershipTransfer ? 2 : 0))
        case .voteResponse(let granted, let preVote):
            writer.writeByte((granted ? 1 : 0) | (preVote ? 2 : 0))
        case .appendEntries(let prevLogIndex, let prevLogTerm, let entries, let commit):
            writer.writeVarint(prevLogIndex)
            writer.writeVarint(prevLogTerm)
            writer.writeVarint(commit)
            writer.writeVarint(UInt64(entries.count))
            for entry in entries {
                writer.writeVarint(entry.term)
                writer.writeByte(entry.kind.rawValue)
                writer.writeLengthPrefixed(entry.data)
            }
        case .appendResponse(let rejected, let index, let hintIndex, let hintTerm):
            writer.writeBool(rejected)
            writer.writeVarint(index)
            writer.writeVarint(hintIndex)
            writer.writeVarint(hintTerm)
        case .heartbeat(let commit, let context):
            writer.writeVarint(commit)
            writer.writeLengthPrefixed(context)
        case .heartbeatResponse(let context), .readIndex(let context):
            writer.writeLengthPrefixed(context)
        case .installSnapshot(let chunk):
            chunk.metadata.encode(into: &writer)
            writer.writeVarint(chunk.offset)
            writer.writeBool(chunk.done)
            writer.writeLengthPrefixed(chunk.data)
        case .timeoutNow:
            break
        case .readIndexResponse(let index, let context):
            writer.writeVarint(index)
            writer.writeLengthPrefixed(context)
        }
    }
}
