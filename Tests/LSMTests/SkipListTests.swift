import Testing

@testable import LSM

@Suite("Memtable: arena and skiplist")
struct SkipListTests {
    @Test("the arena aligns, keeps memory apart and counts what it holds")
    func arena() {
        let arena = Arena()
        #expect(arena.memoryUsage == 0)
        var pieces: [(UnsafeMutableRawPointer, Int)] = []
        var generator = SeededGenerator(seed: 7)
        for i in 0..<3000 {
            let size = i % 500 == 0 ? Arena.blockSize / 2 : Int.random(in: 1...3000, using: &generator)
            let alignment = [1, 2, 4, 8, 16, 64][i % 6]
            let p = arena.allocate(size, alignment: alignment)
            #expect(Int(bitPattern: p) % alignment == 0, "seed 7, piece \(i)")
            p.initializeMemory(as: UInt8.self, repeating: UInt8(truncatingIfNeeded: i), count: size)
            pieces.append((p, size))
        }
        // Every piece still holds its own byte: no two overlap.
        for (i, (p, size)) in pieces.enumerated() {
            let bytes = UnsafeRawBufferPointer(start: p, count: size)
            #expect(bytes.allSatisfy { $0 == UInt8(truncatingIfNeeded: i) }, "seed 7, piece \(i)")
        }
        let requested = pieces.reduce(0) { $0 + $1.1 }
        #expect(arena.memoryUsage >= requested)
        #expect(arena.memoryUsage < requested + 16 * Arena.blockSize)
    }

    /// Inserts `(key, sequence)` entries into a fresh skiplist and returns it with its arena.
    private func makeList(_ entries: [(key: [UInt8], sequence: UInt64)]) -> (Arena, SkipList) {
        let arena = Arena()
        let list = SkipList(arena: arena)
        for entry in entries {
            let value = Array("v\(entry.sequence)".utf8)
            let length = MemtableEntry.encodedLength(keyCount: entry.key.count, valueCount: value.count)
            entry.key.withUnsafeBytes { key in
                value.withUnsafeBytes { value in
                    list.insert(entryLength: length) {
                        MemtableEntry.encode(
                            into: $0, trailer: InternalKey.packTrailer(sequence: entry.sequence, type: .value),
                            key: key, value: value)
                    }
                }
            }
        }
        return (arena, list)
    }

    @Test("a walk yields every entry in internal key order, and seek finds the lower bound", arguments: [1, 2, 3])
    func orderAndSeek(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var entries: [(key: [UInt8], sequence: UInt64)] = []
        for sequence in 1...3000 as ClosedRange<UInt64> {
            // Few distinct keys of varied lengths, so most keys have several versions.
            let length = Int.random(in: 0...20, using: &generator)
            let key = (0..<length).map { _ in UInt8.random(in: 97...99, using: &generator) }
            entries.append((key, sequence))
        }
        let (arena, list) = makeList(entries)
        let model = entries.map { InternalKey.make($0.key, sequence: $0.sequence, type: .value) }
            .sorted { InternalKey.compare($0, $1) < 0 }

        var walked: [[UInt8]] = []
        var node = list.first()
        while let current = node {
            let internalKey = MemtableEntry.internalKey(SkipList.entry(current))
            walked.append(Array(internalKey))
            let value = MemtableEntry.value(after: internalKey)
            #expect(Array(value) == Array("v\(InternalKey.sequence(internalKey))".utf8), "seed \(seed)")
            node = list.next(current)
        }
        #expect(walked == model, "seed \(seed)")

        for _ in 0..<500 {
            let length = Int.random(in: 0...21, using: &generator)
            let userKey = (0..<length).map { _ in UInt8.random(in: 96...100, using: &generator) }
            let sequence = UInt64.random(in: 0...3001, using: &generator)
            let target = InternalKey.make(userKey, sequence: sequence, type: .value)
            let expected = model.first { InternalKey.compare($0, target) >= 0 }
            let found = userKey.withUnsafeBytes {
                list.seek(userKey: $0, trailer: InternalKey.packTrailer(sequence: sequence, type: .value))
            }
            let foundKey = found.map { Array(MemtableEntry.internalKey(SkipList.entry($0))) }
            #expect(foundKey == expected, "seed \(seed), target \(userKey) @ \(sequence)")
        }
        withExtendedLifetime(arena) {}
    }

    @Test("an empty skiplist has no first entry and seeks to nothing")
    func empty() {
        let (arena, list) = makeList([])
        #expect(list.first() == nil)
        let found = [UInt8]("k".utf8).withUnsafeBytes { list.seek(userKey: $0, trailer: 0) }
        #expect(found == nil)
        withExtendedLifetime(arena) {}
    }

    @Test("the entry encoding round-trips keys and values of every length class")
    func entryEncoding() {
        for keyLength in [0, 1, 119, 120, 200, 20000] {
            for valueLength in [0, 1, 127, 128, 16384, 300_000] {
                let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0) }
                let value = (0..<valueLength).map { UInt8(truncatingIfNeeded: $0 &* 7) }
                let length = MemtableEntry.encodedLength(keyCount: keyLength, valueCount: valueLength)
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 1)
                defer { buffer.deallocate() }
                key.withUnsafeBytes { k in
                    value.withUnsafeBytes { v in
                        MemtableEntry.encode(
                            into: buffer, trailer: InternalKey.packTrailer(sequence: 77, type: .deletion), key: k,
                            value: v)
                    }
                }
                let internalKey = MemtableEntry.internalKey(buffer)
                #expect(Array(InternalKey.userKey(internalKey)) == key)
                #expect(InternalKey.sequence(internalKey) == 77)
                #expect(InternalKey.type(internalKey) == .deletion)
                let decodedValue = MemtableEntry.value(after: internalKey)
                #expect(Array(decodedValue) == value)
                #expect(decodedValue.baseAddress! + decodedValue.count == buffer + length)
            }
        }
    }
}
