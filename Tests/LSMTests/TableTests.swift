import Testing

@testable import LSM

@Suite("Table: building, reading, corruption")
struct TableTests {
    private typealias Entry = TableTestSupport.Entry

    private func options(_ compression: LSMOptions.Compression) -> LSMOptions {
        var options = LSMOptions()
        options.compression = compression
        return options
    }

    /// What a lookup of `userKey` at `snapshot` must return according to the sorted `entries`.
    private func expectedLookup(_ entries: [Entry], _ userKey: [UInt8], snapshot: UInt64) -> LookupResult? {
        let low = TableTestSupport.lowerBound(entries, InternalKey.make(userKey, sequence: snapshot, type: .value))
        guard low < entries.count, entries[low].userKey == userKey else { return nil }
        return entries[low].type == .deletion ? .deleted : .found(entries[low].value)
    }

    private func get(_ table: Table, _ userKey: [UInt8], snapshot: UInt64) throws -> LookupResult? {
        try InternalKey.make(userKey, sequence: snapshot, type: .value).withUnsafeBytes {
            try table.get($0, verifyChecksums: true)
        }
    }

    @Test(
        "iteration, seek and snapshot lookups match the input, read with pread or through a map",
        arguments: [LSMOptions.Compression.none, .zlib], [false, true])
    func roundTrip(compression: LSMOptions.Compression, mapped: Bool) throws {
        let seed: UInt64 = 0x7AB1E + UInt64(compression.rawValue)
        var readOptions = options(compression)
        readOptions.mapTableFiles = mapped
        var rng = TableTestRNG(seed: seed)
        let entries = TableTestSupport.randomEntries(
            userKeyCount: 12_000, valueLength: 0...80, compressibleValues: true, rng: &rng)
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let path = directory + "/000001.ldb"
        let size = try TableTestSupport.buildTable(entries, options: options(compression), path: path)
        #expect(size == UInt64(try FileSystem.fileSize(path)), "seed \(seed)")

        let cache = BlockCache(capacity: 1 << 20)
        let table = try TableTestSupport.openTable(path, options: readOptions, blockCache: cache)
        #expect(TableTestSupport.dataBlockHandles(table).count > 10, "seed \(seed)")
        try table.verify()

        // Full iteration, with and without filling the cache.
        for fillCache in [false, true] {
            let all = TableTestSupport.collect(table.makeIterator(verifyChecksums: true, fillCache: fillCache))
            #expect(all.count == entries.count, "seed \(seed)")
            #expect(all.map(\.key) == entries.map(\.key), "seed \(seed)")
            #expect(all.map(\.value) == entries.map(\.value), "seed \(seed)")
        }

        // Seeks to present and absent keys, each followed by a few steps.
        let iterator = table.makeIterator(verifyChecksums: true, fillCache: true)
        for _ in 0..<2000 {
            let target: [UInt8]
            if Bool.random(using: &rng) {
                target = entries[Int.random(in: 0..<entries.count, using: &rng)].key
            } else {
                target = InternalKey.make(
                    rng.bytes(Int.random(in: 1...24, using: &rng)),
                    sequence: UInt64.random(in: 0...2_000_000, using: &rng), type: .value)
            }
            var expected = TableTestSupport.lowerBound(entries, target)
            iterator.seek(toKey: target)
            for _ in 0..<3 {
                if expected == entries.count {
                    #expect(!iterator.isValid, "seed \(seed)")
                    break
                }
                #expect(iterator.isValid && Array(iterator.key) == entries[expected].key, "seed \(seed)")
                #expect(iterator.isValid && Array(iterator.value) == entries[expected].value, "seed \(seed)")
                iterator.next()
                expected += 1
            }
        }
        #expect(iterator.error == nil, "seed \(seed)")

        // Point lookups at several snapshots per user key.
        var versions: [[UInt8]: [UInt64]] = [:]
        for entry in entries { versions[entry.userKey, default: []].append(entry.sequence) }
        var checked = 0
        for (userKey, sequences) in versions where checked < 3000 {
            checked += 1
            var snapshots: [UInt64] = [InternalKey.maxSequence, 0]
            for s in sequences { snapshots += [s, s - 1, s + 1] }
            for snapshot in snapshots {
                let got = try get(table, userKey, snapshot: snapshot)
                #expect(
                    got == expectedLookup(entries, userKey, snapshot: snapshot), "seed \(seed), snapshot \(snapshot)")
            }
        }
        // Absent keys.
        for _ in 0..<2000 {
            let userKey = rng.bytes(Int.random(in: 1...30, using: &rng))
            guard versions[userKey] == nil else { continue }
            #expect(try get(table, userKey, snapshot: InternalKey.maxSequence) == nil, "seed \(seed)")
        }
        if mapped && compression == .none {
            // Uncompressed blocks of a mapped table are read in place, never copied into the cache.
            #expect(cache.usage == 0, "seed \(seed)")
        } else {
            #expect(cache.usage > 0 && cache.usage <= cache.capacity, "seed \(seed)")
        }
    }

    @Test("a flipped byte in an uncompressed block of a mapped table is a checksum error, not a crash")
    func mappedCorruption() throws {
        var rng = TableTestRNG(seed: 0xF11B)
        let entries = TableTestSupport.randomEntries(userKeyCount: 3000, rng: &rng)
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let path = directory + "/000001.ldb"
        try TableTestSupport.buildTable(entries, options: options(.none), path: path)
        let handles = TableTestSupport.dataBlockHandles(try TableTestSupport.openTable(path))
        let victim = handles[handles.count / 2]
        try flipByte(in: path, at: Int(victim.offset) + 10)

        let table = try TableTestSupport.openTable(
            path, options: options(.none), blockCache: BlockCache(capacity: 1 << 20))
        let expected = LSMError.corruption(
            file: path, offset: Int64(victim.offset), reason: "block checksum mismatch")
        #expect(throws: expected) {
            _ = try table.dataBlock(victim, verifyChecksums: true, fillCache: true)
        }
        let iterator = table.makeIterator(verifyChecksums: true, fillCache: true)
        iterator.seekToFirst()
        while iterator.isValid { iterator.next() }
        #expect(iterator.error != nil)
    }

    @Test("tombstones are found as deleted and versions resolve per snapshot")
    func versionsAndTombstones() throws {
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let path = directory + "/000002.ldb"
        let key = Array("key".utf8)
        let entries: [Entry] = [
            Entry(key: InternalKey.make(Array("a".utf8), sequence: 3, type: .value), value: [1]),
            Entry(key: InternalKey.make(key, sequence: 40, type: .value), value: Array("v40".utf8)),
            Entry(key: InternalKey.make(key, sequence: 30, type: .deletion), value: []),
            Entry(key: InternalKey.make(key, sequence: 20, type: .value), value: Array("v20".utf8)),
            Entry(key: InternalKey.make(Array("z".utf8), sequence: 1, type: .value), value: [2]),
        ]
        try TableTestSupport.buildTable(entries, options: LSMOptions(), path: path)
        let table = try TableTestSupport.openTable(path)
        #expect(try get(table, key, snapshot: 100) == .found(Array("v40".utf8)))
        #expect(try get(table, key, snapshot: 40) == .found(Array("v40".utf8)))
        #expect(try get(table, key, snapshot: 39) == .deleted)
        #expect(try get(table, key, snapshot: 30) == .deleted)
        #expect(try get(table, key, snapshot: 29) == .found(Array("v20".utf8)))
        #expect(try get(table, key, snapshot: 19) == nil)
        #expect(try get(table, Array("ke".utf8), snapshot: 100) == nil)
        #expect(try get(table, Array("keyz".utf8), snapshot: 100) == nil)
    }

    @Test("an empty table opens, iterates nothing and finds nothing")
    func emptyTable() throws {
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let path = directory + "/000003.ldb"
        try TableTestSupport.buildTable([], options: LSMOptions(), path: path)
        let table = try TableTestSupport.openTable(path)
        #expect(TableTestSupport.collect(table.makeIterator(verifyChecksums: true, fillCache: true)).isEmpty)
        #expect(try get(table, [1, 2, 3], snapshot: 5) == nil)
        try table.verify()
    }

    @Test("zlib makes 2:1-compressible values take less space")
    func compressionShrinks() throws {
        let seed: UInt64 = 0x21
        var rng = TableTestRNG(seed: seed)
        let entries = TableTestSupport.randomEntries(
            userKeyCount: 5000, maxVersions: 1, valueLength: 100...100, compressibleValues: true, rng: &rng)
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let plain = try TableTestSupport.buildTable(entries, options: options(.none), path: directory + "/000001.ldb")
        let zlib = try TableTestSupport.buildTable(entries, options: options(.zlib), path: directory + "/000002.ldb")
        #expect(Double(zlib) < Double(plain) * 0.75, "zlib \(zlib) vs none \(plain), seed \(seed)")
        // Incompressible values stay stored as they are: not larger than without compression.
        let random = TableTestSupport.randomEntries(
            userKeyCount: 2000, maxVersions: 1, valueLength: 100...100, rng: &rng)
        let plainRandom = try TableTestSupport.buildTable(
            random, options: options(.none), path: directory + "/000003.ldb")
        let zlibRandom = try TableTestSupport.buildTable(
            random, options: options(.zlib), path: directory + "/000004.ldb")
        #expect(zlibRandom == plainRandom, "seed \(seed)")
        let table = try TableTestSupport.openTable(directory + "/000002.ldb")
        #expect(
            TableTestSupport.collect(table.makeIterator(verifyChecksums: true, fillCache: false)).map(\.value)
                == entries.map(\.value))
    }

    @Test("index separators are shortened but still separate the blocks")
    func shortSeparators() throws {
        var entries: [Entry] = []
        for i in 0..<3000 {
            let userKey = Array("user-key-with-a-long-common-prefix-\(100_000 + i)".utf8)
            entries.append(
                Entry(
                    key: InternalKey.make(userKey, sequence: 1, type: .value), value: [UInt8](repeating: 7, count: 50)))
        }
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let path = directory + "/000001.ldb"
        try TableTestSupport.buildTable(entries, options: options(.none), path: path)
        let table = try TableTestSupport.openTable(path)
        let index = TableTestSupport.collect(BlockIterator(block: table.indexBlock))
        #expect(index.count > 5)
        #expect(index.dropLast().allSatisfy { $0.key.count <= entries[0].key.count })
        for entry in entries { #expect(try get(table, entry.userKey, snapshot: 1) == .found(entry.value)) }
    }

    // MARK: - Corruption

    /// Expects `body` to throw corruption naming `file` at `offset`.
    private func expectCorruption(
        file: String, offset: Int64, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("\(what): no error", sourceLocation: sourceLocation)
        } catch let LSMError.corruption(errorFile, errorOffset, reason) {
            #expect(errorFile == file && errorOffset == offset, "\(what): \(reason)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(what): unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test(
        "a flipped byte in a data block is corruption at that block", arguments: [LSMOptions.Compression.none, .zlib])
    func flippedDataByte(compression: LSMOptions.Compression) throws {
        let seed: UInt64 = 0xF11B
        var rng = TableTestRNG(seed: seed)
        let entries = TableTestSupport.randomEntries(
            userKeyCount: 3000, maxVersions: 1, valueLength: 10...40, compressibleValues: true, rng: &rng)
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let path = directory + "/000007.ldb"
        try TableTestSupport.buildTable(entries, options: options(compression), path: path)
        let handles = TableTestSupport.dataBlockHandles(try TableTestSupport.openTable(path))
        let victim = handles[2]
        try TableTestSupport.patchFile(path, offset: Int(victim.offset + victim.size / 2)) { $0 ^ 0x10 }

        let table = try TableTestSupport.openTable(path, blockCache: BlockCache(capacity: 1 << 20))
        let blockOffset = Int64(victim.offset)
        // A key stored in the damaged block: the first one after the previous block's last key.
        var inVictim: [UInt8]?
        let probe = try TableTestSupport.openTable(path)
        for entry in entries {
            // A lookup that reads the victim block fails; one that reads another block succeeds.
            do {
                _ = try get(probe, entry.userKey, snapshot: InternalKey.maxSequence)
            } catch {
                inVictim = entry.userKey
                break
            }
        }
        #expect(inVictim != nil, "no lookup touched the damaged block, seed \(seed)")
        if let inVictim {
            expectCorruption(file: path, offset: blockOffset, "get") {
                _ = try get(table, inVictim, snapshot: InternalKey.maxSequence)
            }
        }
        let iterator = table.makeIterator(verifyChecksums: true, fillCache: true)
        let seen = TableTestSupport.collect(iterator)
        #expect(!iterator.isValid)
        #expect(seen.count < entries.count)
        expectCorruption(file: path, offset: blockOffset, "iterate") { if let error = iterator.error { throw error } }
        expectCorruption(file: path, offset: blockOffset, "verify") { try table.verify() }
        // The table cache reads with checksums (paranoid checks are on by default).
        let tableCache = TableCache(directory: directory, options: options(compression), blockCache: nil)
        if let inVictim {
            expectCorruption(file: path, offset: blockOffset, "table cache get") {
                _ = try InternalKey.make(inVictim, sequence: 9, type: .value).withUnsafeBytes {
                    try tableCache.get(fileNumber: 7, size: UInt64(try FileSystem.fileSize(path)), lookupKey: $0)
                }
            }
        }
    }

    @Test("truncation, a bad magic number and a damaged index are corruption at open")
    func damagedAtOpen() throws {
        var rng = TableTestRNG(seed: 3)
        let entries = TableTestSupport.randomEntries(userKeyCount: 500, rng: &rng)
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let path = directory + "/000001.ldb"
        let size = try TableTestSupport.buildTable(entries, options: LSMOptions(), path: path)
        let footerOffset = Int64(size) - Int64(Footer.encodedLength)
        let footer = try TableTestSupport.readFooter(path)

        // Shorter than the recorded size.
        let file = try PosixFile.openForAppending(path)
        try file.truncate(to: Int64(size) - 10)
        try file.close()
        expectCorruption(file: path, offset: footerOffset, "truncated, recorded size") {
            _ = try Table.open(
                file: try PosixFile.openForReading(path), fileNumber: 1, size: size, options: LSMOptions(),
                blockCache: nil)
        }
        expectCorruption(file: path, offset: footerOffset - 10, "truncated, actual size") {
            _ = try TableTestSupport.openTable(path)
        }
        // Shorter than a footer.
        try PosixFile.openForAppending(path).truncate(to: 20)
        expectCorruption(file: path, offset: 0, "20 bytes") { _ = try TableTestSupport.openTable(path) }

        // Bad magic.
        try TableTestSupport.buildTable(entries, options: LSMOptions(), path: path)
        try TableTestSupport.patchFile(path, offset: Int(size) - 1) { $0 ^ 1 }
        expectCorruption(file: path, offset: footerOffset, "bad magic") { _ = try TableTestSupport.openTable(path) }

        // A flipped byte in the index block.
        try TableTestSupport.buildTable(entries, options: LSMOptions(), path: path)
        try TableTestSupport.patchFile(path, offset: Int(footer.indexHandle.offset) + 3) { $0 ^ 0x80 }
        expectCorruption(file: path, offset: Int64(footer.indexHandle.offset), "index") {
            _ = try TableTestSupport.openTable(path)
        }
        // A flipped byte in the filter block.
        try TableTestSupport.buildTable(entries, options: LSMOptions(), path: path)
        try TableTestSupport.patchFile(path, offset: Int(footer.filterHandle.offset) + 1) { $0 ^ 0x01 }
        expectCorruption(file: path, offset: Int64(footer.filterHandle.offset), "filter") {
            _ = try TableTestSupport.openTable(path)
        }
    }

    @Test("random garbage files and random damage never trap")
    func garbageNeverTraps() throws {
        let seed: UInt64 = 0x6A4BA6E
        var rng = TableTestRNG(seed: seed)
        let entries = TableTestSupport.randomEntries(
            userKeyCount: 300, valueLength: 0...30, compressibleValues: true, rng: &rng)
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let good = directory + "/000001.ldb"
        try TableTestSupport.buildTable(entries, options: LSMOptions(), path: good)
        let goodBytes = try PosixFile.openForReading(good).readAll()
        let footer = try TableTestSupport.readFooter(good)
        let path = directory + "/000002.ldb"

        /// Exercises every read path of the table at `path`; errors are fine, traps are not.
        func exercise(_ trial: Int) {
            guard let table = try? TableTestSupport.openTable(path) else { return }
            _ = try? table.verify()
            for verify in [false, true] {
                let iterator = table.makeIterator(verifyChecksums: verify, fillCache: false)
                var steps = 0
                iterator.seekToFirst()
                while iterator.isValid && steps < 100_000 {
                    _ = iterator.key.count + iterator.value.count
                    iterator.next()
                    steps += 1
                }
                #expect(steps < 100_000, "seed \(seed), trial \(trial)")
                iterator.seek(toKey: entries[trial % entries.count].key)
            }
            for entry in entries.prefix(20) {
                _ = try? InternalKey.make(entry.userKey, sequence: 1 << 40, type: .value).withUnsafeBytes {
                    try table.get($0, verifyChecksums: false)
                }
            }
        }

        for trial in 0..<300 {
            var bytes: [UInt8]
            switch trial % 3 {
            case 0:
                // Pure garbage, sometimes ending in the magic number.
                bytes = rng.bytes(Int.random(in: 0...600, using: &rng))
                if bytes.count >= Footer.encodedLength && trial % 2 == 0 {
                    bytes.replaceSubrange((bytes.count - 8)..., with: goodBytes.suffix(8))
                }
            default:
                // A valid table with a few random bytes changed anywhere.
                bytes = goodBytes
                for _ in 0..<Int.random(in: 1...6, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            let file = try PosixFile.create(path)
            try file.write(bytes)
            try file.close()
            if trial % 3 == 2 {
                // Re-seal the index and filter so that damage there passes the checksum and reaches
                // the decoders.
                try? TableTestSupport.resealBlock(path, handle: footer.indexHandle)
                try? TableTestSupport.resealBlock(path, handle: footer.filterHandle)
            }
            exercise(trial)
        }
    }
}
