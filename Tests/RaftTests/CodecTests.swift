import Testing

@testable import Raft

/// The wire encoding of messages and configuration entries: round trips, the documented bytes, and
/// malformed input that must throw, never trap.
@Suite struct CodecTests {
    static let configuration = Configuration(members: [
        Member(id: 1, address: "10.0.0.1:7001"),
        Member(id: 0xFFFF_FFFF_FFFF, address: "höst-ü:9", role: .learner),
        Member(id: 3, address: ""),
    ])

    static let samples: [Message] = [
        Message(
            from: 1, to: 2, term: 3,
            body: .requestVote(lastLogIndex: 10, lastLogTerm: 2, preVote: true, leadershipTransfer: false)),
        Message(
            from: 1, to: 2, term: .max,
            body: .requestVote(lastLogIndex: .max, lastLogTerm: 0, preVote: false, leadershipTransfer: true)),
        Message(from: 2, to: 1, term: 3, body: .voteResponse(granted: true, preVote: false)),
        Message(from: 2, to: 1, term: 3, body: .voteResponse(granted: false, preVote: true)),
        Message(
            from: 1, to: 3, term: 7,
            body: .appendEntries(
                prevLogIndex: 99, prevLogTerm: 6,
                entries: [
                    Entry(term: 6, index: 100, data: []),
                    Entry(term: 7, index: 101, data: [1, 2, 3]),
                    Entry(
                        term: 7, index: 102, kind: .configurationChange,
                        data: ConfigurationEntry(change: .remove(2), configuration: configuration).encoded()),
                ], commit: 98)),
        Message(from: 1, to: 3, term: 7, body: .appendEntries(prevLogIndex: 0, prevLogTerm: 0, entries: [], commit: 0)),
        Message(from: 3, to: 1, term: 7, body: .appendResponse(rejected: true, index: 55, hintIndex: 40, hintTerm: 5)),
        Message(from: 3, to: 1, term: 7, body: .appendResponse(rejected: false, index: 102, hintIndex: 0, hintTerm: 0)),
        Message(from: 1, to: 2, term: 4, body: .heartbeat(commit: 12, context: [9, 9])),
        Message(from: 2, to: 1, term: 4, body: .heartbeatResponse(context: [])),
        Message(
            from: 1, to: 2, term: 4,
            body: .installSnapshot(
                SnapshotChunk(
                    metadata: SnapshotMetadata(index: 500, term: 4, configuration: configuration), offset: 65536,
                    data: Array(repeating: 0xAB, count: 300), done: false))),
        Message(
            from: 1, to: 2, term: 4,
            body: .installSnapshot(
                SnapshotChunk(metadata: SnapshotMetadata(index: 0, term: 0, configuration: Configuration())))),
        Message(from: 1, to: 2, term: 4, body: .timeoutNow),
        Message(from: 2, to: 1, term: 4, body: .readIndex(context: [1, 2, 3, 4, 5, 6, 7, 8])),
        Message(from: 1, to: 2, term: 4, body: .readIndexResponse(index: 77, context: [0])),
    ]

    @Test(arguments: CodecTests.samples)
    func roundTrip(_ message: Message) throws {
        let bytes = message.encoded()
        #expect(bytes.first == Message.wireVersion)
        #expect(try Message(decoding: bytes) == message)
        var appended: [UInt8] = [0xEE]
        message.encode(into: &appended)
        #expect(Array(appended.dropFirst()) == bytes)
    }

    @Test(arguments: CodecTests.samples)
    func everyTruncationThrows(_ message: Message) {
        let bytes = message.encoded()
        for length in 0..<bytes.count {
            #expect(throws: RaftCodecError.self) { try Message(decoding: Array(bytes.prefix(length))) }
        }
        #expect(throws: RaftCodecError.self) { try Message(decoding: bytes + [0]) }
    }

    @Test func randomCorruptionNeverTraps() {
        var random = SimRandom(seed: 77)
        var decoded = 0
        for sample in CodecTests.samples {
            let original = sample.encoded()
            for _ in 0..<1500 {
                var bytes = original
                for _ in 0...random.int(0...3) {
                    switch random.int(0...2) {
                    case 0 where !bytes.isEmpty:
                        bytes[random.int(0...(bytes.count - 1))] = UInt8.random(in: 0...255, using: &random)
                    case 1:
                        bytes.insert(UInt8.random(in: 0...255, using: &random), at: random.int(0...bytes.count))
                    default:
                        if !bytes.isEmpty { bytes.remove(at: random.int(0...(bytes.count - 1))) }
                    }
                }
                // Either a clear error, or a message that encodes back to something that decodes alike.
                if let message = try? Message(decoding: bytes) {
                    decoded += 1
                    #expect((try? Message(decoding: message.encoded())) == message)
                }
            }
        }
        #expect(decoded > 0)
    }

    @Test func documentedBytes() throws {
        let heartbeat = Message(from: 1, to: 2, term: 300, body: .heartbeat(commit: 4, context: [0xAA]))
        #expect(heartbeat.encoded() == [1, 5, 1, 2, 0xAC, 0x02, 4, 1, 0xAA])
        let append = Message(
            from: 1, to: 2, term: 3,
            body: .appendEntries(
                prevLogIndex: 9, prevLogTerm: 2, entries: [Entry(term: 3, index: 10, data: [7, 8])], commit: 8))
        #expect(append.encoded() == [1, 3, 1, 2, 3, 9, 2, 8, 1, 3, 0, 2, 7, 8])
        let vote = Message(
            from: 4, to: 5, term: 6,
            body: .requestVote(lastLogIndex: 7, lastLogTerm: 5, preVote: true, leadershipTransfer: true))
        #expect(vote.encoded() == [1, 1, 4, 5, 6, 7, 5, 3])
    }

    @Test func malformedInputGivesClearErrors() throws {
        let valid = Message(from: 1, to: 2, term: 3, body: .timeoutNow).encoded()
        #expect(throws: RaftCodecError.unsupportedVersion(2)) { try Message(decoding: [2] + valid.dropFirst()) }
        #expect(throws: RaftCodecError.self) { try Message(decoding: [1, 0, 1, 2, 3]) }
        #expect(throws: RaftCodecError.self) { try Message(decoding: [1, 11, 1, 2, 3]) }
        // A varint of eleven bytes.
        #expect(throws: RaftCodecError.self) {
            try Message(decoding: [1, 8] + Array(repeating: 0xFF, count: 10) + [1])
        }
        // Unknown flag bits, and a boolean that is neither 0 nor 1.
        #expect(throws: RaftCodecError.self) { try Message(decoding: [1, 2, 1, 2, 3, 4]) }
        #expect(throws: RaftCodecError.self) { try Message(decoding: [1, 4, 1, 2, 3, 2, 0, 0, 0]) }
        // An entry count far beyond what the bytes can hold is refused before any allocation.
        #expect(throws: RaftCodecError.self) {
            try Message(decoding: [1, 3, 1, 2, 3, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 0, 0])
        }
        // A length beyond the end.
        #expect(throws: RaftCodecError.self) { try Message(decoding: [1, 9, 1, 2, 3, 5, 1]) }
        // An unknown entry kind.
        #expect(throws: RaftCodecError.self) { try Message(decoding: [1, 3, 1, 2, 3, 0, 0, 0, 1, 1, 9, 0]) }
        // Entry indices that would overflow: prevLogIndex = UInt64.max and one entry.
        let maxVarint: [UInt8] = Array(repeating: 0xFF, count: 9) + [1]
        #expect(throws: RaftCodecError.self) {
            try Message(decoding: [1, 3, 1, 2, 3] + maxVarint + [0, 0, 1, 1, 0, 0])
        }
        #expect(
            try Message(decoding: [1, 3, 1, 2, 3] + maxVarint + [0, 0, 0]).body
                == .appendEntries(prevLogIndex: .max, prevLogTerm: 0, entries: [], commit: 0))
    }

    @Test func configurationEncodingRejectsBadMembers() {
        // Invalid UTF-8 in an address.
        let badAddress: [UInt8] = [1, 7, 1, 2, 3, 0, 0, 1, 1, 0, 1, 0xFF, 0, 1, 0]
        #expect(throws: RaftCodecError.self) { try Message(decoding: badAddress) }
        // Member id 0, and a duplicate member.
        #expect(throws: RaftCodecError.self) { try Message(decoding: [1, 7, 1, 2, 3, 0, 0, 1, 0, 0, 0, 0, 1, 0]) }
        #expect(throws: RaftCodecError.self) {
            try Message(decoding: [1, 7, 1, 2, 3, 0, 0, 2, 5, 0, 0, 5, 0, 0, 0, 1, 0])
        }
        // An unknown role.
        #expect(throws: RaftCodecError.self) { try Message(decoding: [1, 7, 1, 2, 3, 0, 0, 1, 5, 2, 0, 0, 1, 0]) }
    }

    @Test func configurationEntryRoundTrips() throws {
        let changes: [ConfigurationChange?] = [
            nil, .addLearner(Member(id: 4, address: "a", role: .learner)),
            .addVoter(Member(id: 5, address: "b")), .remove(6),
        ]
        for change in changes {
            let entry = ConfigurationEntry(change: change, configuration: CodecTests.configuration)
            let bytes = entry.encoded()
            #expect(try ConfigurationEntry(decoding: bytes) == entry)
            for length in 0..<bytes.count {
                #expect(throws: RaftCodecError.self) { try ConfigurationEntry(decoding: Array(bytes.prefix(length))) }
            }
        }
        #expect(throws: RaftCodecError.unsupportedVersion(9)) { try ConfigurationEntry(decoding: [9, 0, 0]) }
        #expect(throws: RaftCodecError.self) { try ConfigurationEntry(decoding: [1, 4, 0]) }
    }
}
