import Testing

@testable import Server

@Suite struct LeaseRecordTests {
    private func sample() -> LeaseRecord {
        LeaseRecord(
            id: 123_456_789, name: bytes("/esq/node-1"), ttl: 10, state: .alive, grantRevision: 42,
            keys: [
                LeaseKey(name: bytes("a"), data: [], revision: 43),
                LeaseKey(name: bytes("nodeinfo"), data: bytes("{\"node_id\":1}"), revision: 300),
            ])
    }

    @Test func roundTrips() throws {
        let record = sample()
        let encoded = record.encoded()
        #expect(try LeaseRecord(decoding: encoded) == record)
    }

    @Test func layoutIsMetaSizeValueSizeMetaValue() {
        let encoded = sample().encoded()
        let metaSize = Int(encoded[0]) | Int(encoded[1]) << 8 | Int(encoded[2]) << 16 | Int(encoded[3]) << 24
        let valueSize = Int(encoded[4]) | Int(encoded[5]) << 8 | Int(encoded[6]) << 16 | Int(encoded[7]) << 24
        #expect(8 + metaSize + valueSize == encoded.count)
        #expect(encoded[8] == LeaseRecord.formatVersion)
    }

    @Test func everyTruncationAndManyFlipsAreRejectedNotCrashes() {
        let encoded = sample().encoded()
        for length in 0..<encoded.count {
            #expect(throws: StateMachineError.self) { try LeaseRecord(decoding: Array(encoded[0..<length])) }
        }
        let seed = testSeed(default: 77)
        var random = SeededGenerator(seed: seed)
        for _ in 0..<2_000 {
            var damaged = encoded
            damaged[Int.random(in: 0..<damaged.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
            // Either an error or some record: never a trap.
            _ = try? LeaseRecord(decoding: damaged)
        }
    }

    @Test func keyLookupUsesSortedOrder() {
        let record = sample()
        #expect(record.key(named: bytes("nodeinfo"))?.revision == 300)
        #expect(record.key(named: bytes("b")) == nil)
        #expect(record.keyPosition(bytes("b")).index == 1)
    }
}
