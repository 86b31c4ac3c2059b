import Testing

@testable import LSM

@Suite("Table: bloom filter")
struct BloomFilterTests {
    private func hash(_ text: String) -> UInt64 {
        Array(text.utf8).withUnsafeBytes { BloomFilter.hash($0) }
    }

    private func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { BloomFilter.hash($0) }
    }

    /// A filter over `keys` at `bitsPerKey`.
    private func makeFilter(_ keys: [[UInt8]], bitsPerKey: Int) -> [UInt8] {
        let buffer = ByteBuffer()
        BloomFilter.build(hashes: keys.map(hash), bitsPerKey: bitsPerKey, into: buffer)
        return Array(buffer.bytes)
    }

    private func mayContain(_ filter: [UInt8], _ key: [UInt8]) -> Bool {
        filter.withUnsafeBytes { BloomFilter.mayContain(hash: hash(key), filter: $0) }
    }

    @Test("the hash is XXH64 with seed 0 (published test vectors)")
    func hashVectors() {
        #expect(hash("") == 0xEF46_DB37_51D8_E999)
        #expect(hash("abc") == 0x44BC_2CF5_AD77_0999)
        // 39 bytes: exercises the 32-byte stripe loop and every tail step.
        #expect(hash("Nobody inspects the spammish repetition") == 0xFBCE_A83C_8A37_8BF1)
    }

    @Test("probe count is bitsPerKey * ln 2, clamped to 1...30")
    func probeCounts() {
        #expect(BloomFilter.probeCount(bitsPerKey: 10) == 6)
        #expect(BloomFilter.probeCount(bitsPerKey: 1) == 1)
        #expect(BloomFilter.probeCount(bitsPerKey: 100) == 30)
    }

    @Test("no false negatives, few false positives at 10 bits per key", arguments: [1, 10, 100, 1000, 10_000])
    func falsePositiveRate(keyCount: Int) {
        let seed: UInt64 = 0xF117 + UInt64(keyCount)
        var rng = TableTestRNG(seed: seed)
        var present = Set<[UInt8]>()
        while present.count < keyCount { present.insert(rng.bytes(Int.random(in: 1...20, using: &rng))) }
        let filter = makeFilter(Array(present), bitsPerKey: 10)
        #expect(filter.count >= 9, "seed \(seed)")
        for key in present {
            #expect(mayContain(filter, key), "false negative, seed \(seed)")
        }
        var falsePositives = 0
        var probes = 0
        while probes < 10_000 {
            let key = rng.bytes(Int.random(in: 1...20, using: &rng))
            if present.contains(key) { continue }
            probes += 1
            if mayContain(filter, key) { falsePositives += 1 }
        }
        let rate = Double(falsePositives) / Double(probes)
        #expect(rate < 0.02, "false positive rate \(rate) over \(probes) absent keys, \(keyCount) keys, seed \(seed)")
    }

    @Test("an empty filter rejects, an unknown encoding accepts")
    func edgeCases() {
        let empty = makeFilter([], bitsPerKey: 10)
        #expect(!mayContain(empty, Array("x".utf8)))
        var unknown = makeFilter([Array("a".utf8)], bitsPerKey: 10)
        unknown[unknown.count - 1] = 31
        #expect(mayContain(unknown, Array("zzz".utf8)))
        #expect(mayContain([], Array("zzz".utf8)))
    }
}
