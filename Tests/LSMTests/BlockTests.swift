import Testing

@testable import LSM

@Suite("Table: data blocks")
struct BlockTests {
    /// A block built from `entries` with `restartInterval`.
    private func makeBlock(_ entries: [TableTestSupport.Entry], restartInterval: Int) throws -> Block {
        let builder = BlockBuilder(restartInterval: restartInterval)
        for entry in entries {
            entry.key.withUnsafeBytes { k in entry.value.withUnsafeBytes { v in builder.add(k, v) } }
        }
        return try withExtendedLifetime(builder) {
            try Block.make(copying: builder.finish(), file: "test.ldb", offset: 4096)
        }
    }

    @Test("iterates and seeks over random keys", arguments: [1, 16])
    func iterateAndSeek(restartInterval: Int) throws {
        let seed: UInt64 = 0xB10C + UInt64(restartInterval)
        var rng = TableTestRNG(seed: seed)
        let entries = TableTestSupport.randomEntries(userKeyCount: 400, rng: &rng)
        let block = try makeBlock(entries, restartInterval: restartInterval)
        let iterator = BlockIterator(block: block)

        let all = TableTestSupport.collect(iterator)
        #expect(iterator.error == nil, "seed \(seed)")
        #expect(all.map(\.key) == entries.map(\.key), "seed \(seed)")
        #expect(all.map(\.value) == entries.map(\.value), "seed \(seed)")

        // Seek to every present key, in random order (so both forward and backward re-seeks happen).
        for i in entries.indices.shuffled(using: &rng) {
            iterator.seek(toKey: entries[i].key)
            #expect(iterator.isValid, "seed \(seed), entry \(i)")
            #expect(Array(iterator.key) == entries[i].key, "seed \(seed), entry \(i)")
            #expect(Array(iterator.value) == entries[i].value, "seed \(seed), entry \(i)")
        }
        // Seek to absent keys: random user keys at random snapshots land on the lower bound.
        for _ in 0..<500 {
            let target = InternalKey.make(
                rng.bytes(Int.random(in: 1...24, using: &rng)), sequence: UInt64.random(in: 0...2_000_000, using: &rng),
                type: .value)
            let expected = TableTestSupport.lowerBound(entries, target)
            iterator.seek(toKey: target)
            if expected == entries.count {
                #expect(!iterator.isValid, "seed \(seed)")
            } else {
                #expect(iterator.isValid && Array(iterator.key) == entries[expected].key, "seed \(seed)")
            }
        }
        #expect(iterator.error == nil, "seed \(seed)")
    }

    @Test("internal-key order (with the word-wise byte comparison) agrees with a lexicographic reference")
    func comparisonAgrees() {
        let seed: UInt64 = 0xC0DE
        var rng = TableTestRNG(seed: seed)
        for trial in 0..<20_000 {
            // Short alphabets and shared prefixes make equal words, prefixes and ties common.
            let prefix = rng.bytes(Int.random(in: 0...20, using: &rng)).map { $0 & 3 }
            let a = prefix + rng.bytes(Int.random(in: 0...10, using: &rng)).map { $0 & 3 }
            let b =
                Bool.random(using: &rng) ? a : prefix + rng.bytes(Int.random(in: 0...10, using: &rng)).map { $0 & 3 }
            let sa = UInt64.random(in: 0...3, using: &rng)
            let sb = UInt64.random(in: 0...3, using: &rng)
            let ka = InternalKey.make(a, sequence: sa, type: .value)
            let kb = InternalKey.make(b, sequence: sb, type: .deletion)
            // Reference order, computed independently: user keys lexicographically, then the
            // trailer (sequence, then type) descending.
            let expected: Int
            if a != b {
                expected = a.lexicographicallyPrecedes(b) ? -1 : 1
            } else {
                let ta = (sa << 8) | 1
                let tb = sb << 8
                expected = ta > tb ? -1 : (ta < tb ? 1 : 0)
            }
            let got = InternalKey.compare(ka, kb)
            #expect(got.signum() == expected, "seed \(seed), trial \(trial)")
        }
    }

    @Test("seek then next walks on in order")
    func seekThenNext() throws {
        let seed: UInt64 = 77
        var rng = TableTestRNG(seed: seed)
        let entries = TableTestSupport.randomEntries(userKeyCount: 200, rng: &rng)
        let block = try makeBlock(entries, restartInterval: 16)
        let iterator = BlockIterator(block: block)
        for start in stride(from: 0, to: entries.count, by: 37) {
            iterator.seek(toKey: entries[start].key)
            var i = start
            while iterator.isValid {
                #expect(Array(iterator.key) == entries[i].key, "seed \(seed), start \(start)")
                i += 1
                iterator.next()
            }
            #expect(i == entries.count, "seed \(seed)")
        }
    }

    @Test("keys longer than the key scratch are reassembled")
    func longKeys() throws {
        var entries: [TableTestSupport.Entry] = []
        for i in 0..<50 {
            let userKey = [UInt8](repeating: 0x61, count: 300) + Array(String(1000 + i).utf8)
            entries.append(.init(key: InternalKey.make(userKey, sequence: 1, type: .value), value: [UInt8(i)]))
        }
        entries.sort { InternalKey.compare($0.key, $1.key) < 0 }
        let block = try makeBlock(entries, restartInterval: 16)
        #expect(TableTestSupport.collect(BlockIterator(block: block)).map(\.key) == entries.map(\.key))
        let iterator = BlockIterator(block: block)
        iterator.seek(toKey: entries[33].key)
        #expect(iterator.isValid && Array(iterator.key) == entries[33].key)
    }

    @Test("an empty block has no entries")
    func emptyBlock() throws {
        let builder = BlockBuilder(restartInterval: 16)
        let block = try withExtendedLifetime(builder) { try Block.make(copying: builder.finish()) }
        let iterator = BlockIterator(block: block)
        iterator.seekToFirst()
        #expect(!iterator.isValid && iterator.error == nil)
        iterator.seek(toKey: InternalKey.make([1], sequence: 1, type: .value))
        #expect(!iterator.isValid && iterator.error == nil)
    }

    @Test("a restart array that does not fit is corruption at construction")
    func badRestartCount() {
        let bytes: [UInt8] = [0, 0, 0, 0, 200, 0, 0, 0]
        #expect(
            throws: LSMError.corruption(
                file: "x", offset: 9, reason: "restart count 200 does not fit a block of 8 bytes")
        ) {
            try bytes.withUnsafeBytes { try Block.make(copying: $0, file: "x", offset: 9) }
        }
        #expect(throws: LSMError.self) { try [UInt8]([1, 0]).withUnsafeBytes { try Block.make(copying: $0) } }
    }

    @Test("malformed entries give the iterator a corruption error with the block's offset")
    func malformedEntries() throws {
        var rng = TableTestRNG(seed: 5)
        let entries = TableTestSupport.randomEntries(userKeyCount: 40, rng: &rng)
        let builder = BlockBuilder(restartInterval: 16)
        for entry in entries {
            entry.key.withUnsafeBytes { k in entry.value.withUnsafeBytes { v in builder.add(k, v) } }
        }
        let good = withExtendedLifetime(builder) { Array(builder.finish()) }

        // A value length running past the entries area.
        var overrun = good
        overrun[2] = 0x7f
        overrun[0] = 0
        overrun[1] = 10
        // A restart point beyond the entries.
        var badRestart = good
        let restartArray =
            good.count - 4 - 4 * Int(good.withUnsafeBytes { Coding.loadFixed32($0.baseAddress! + good.count - 4) })
        badRestart[restartArray] = 0xff
        badRestart[restartArray + 1] = 0xff
        for bytes in [overrun, badRestart] {
            let block = try bytes.withUnsafeBytes { try Block.make(copying: $0, file: "t.ldb", offset: 123) }
            let iterator = BlockIterator(block: block)
            _ = TableTestSupport.collect(iterator)
            iterator.seek(toKey: entries[entries.count / 2].key)
            if case .corruption(let file, let offset, _)? = iterator.error {
                #expect(file == "t.ldb" && offset == 123)
            } else {
                Issue.record("expected corruption, got \(String(describing: iterator.error))")
            }
            #expect(!iterator.isValid)
        }
    }

    @Test("random garbage and random damage never trap")
    func garbageNeverTraps() throws {
        let seed: UInt64 = 0xBAD
        var rng = TableTestRNG(seed: seed)
        let entries = TableTestSupport.randomEntries(userKeyCount: 60, rng: &rng)
        let builder = BlockBuilder(restartInterval: 4)
        for entry in entries {
            entry.key.withUnsafeBytes { k in entry.value.withUnsafeBytes { v in builder.add(k, v) } }
        }
        let good = withExtendedLifetime(builder) { Array(builder.finish()) }
        for trial in 0..<2000 {
            var bytes: [UInt8]
            if trial % 2 == 0 {
                bytes = good
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            } else {
                bytes = rng.bytes(Int.random(in: 0...300, using: &rng))
                if bytes.count >= 4 && trial % 4 == 1 {
                    // A plausible restart count, so that decoding goes past the header check.
                    bytes[bytes.count - 4] = UInt8.random(in: 1...3, using: &rng)
                    for i in 1...3 { bytes[bytes.count - 4 + i] = 0 }
                }
            }
            guard let block = try? bytes.withUnsafeBytes({ try Block.make(copying: $0) }) else { continue }
            let iterator = BlockIterator(block: block)
            var steps = 0
            iterator.seekToFirst()
            while iterator.isValid && steps < 10_000 {
                _ = iterator.key.count + iterator.value.count
                iterator.next()
                steps += 1
            }
            #expect(steps < 10_000, "seed \(seed), trial \(trial)")
            iterator.seek(toKey: entries[Int.random(in: 0..<entries.count, using: &rng)].key)
            if iterator.isValid { _ = iterator.key.count }
        }
    }
}
