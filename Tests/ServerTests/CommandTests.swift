import Testing

@testable import Server

@Suite struct CommandTests {
    static let samples: [Command] = [
        .put(key: bytes("services/web/1"), value: Array(repeating: 0xAB, count: 1000)),
        .put(key: bytes("k"), value: []),
        .delete(key: bytes("k")),
        .grant(id: 1 << 40, name: bytes("/esq/node-1"), ttl: 86_400),
        .keepalive(id: 7, key: bytes("nodeinfo"), data: bytes("{\"a\":1}")),
        .revoke(id: 7),
        .expire([
            LeaseExpiry(lease: 7, key: bytes("nodeinfo"), revision: 99),
            LeaseExpiry(lease: 8, key: nil, revision: 3),
        ]),
        .expire([]),
        .setMember(id: "node02", httpAddress: "127.0.0.1:8002", raftAddress: "127.0.0.1:8102"),
        .removeMember(id: "node02"),
    ]

    @Test(arguments: samples) func roundTrips(_ command: Command) throws {
        #expect(try Command(decoding: command.encoded()) == command)
    }

    @Test func truncatedOrDamagedBytesThrowOrDecodeButNeverTrap() {
        let seed = testSeed(default: 5)
        var random = SeededGenerator(seed: seed)
        for command in Self.samples {
            let encoded = command.encoded()
            for length in 0..<encoded.count {
                #expect(throws: StateMachineError.self, "seed \(seed)") {
                    try Command(decoding: Array(encoded[0..<length]))
                }
            }
            for _ in 0..<500 {
                var damaged = encoded
                damaged[Int.random(in: 0..<damaged.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                _ = try? Command(decoding: damaged)
            }
        }
        #expect(throws: StateMachineError.self) { try Command(decoding: [1, 6, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) }
    }
}
