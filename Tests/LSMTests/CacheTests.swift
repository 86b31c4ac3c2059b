import Testing

@testable import LSM

@Suite("Table: block cache and table cache")
struct CacheTests {
    /// A block of exactly `size` bytes: zeros ending in a restart count of 0 (a block without
    /// entries), which is all the cache needs.
    private func block(size: Int) throws -> Block {
        let bytes = [UInt8](repeating: 0, count: size)
        return try bytes.withUnsafeBytes { try Block.make(copying: $0) }
    }

    @Test("the block cache stays within capacity and hits return the same block")
    func blockCacheBounded() throws {
        let seed: UInt64 = 0xCAC4E
        var rng = TableTestRNG(seed: seed)
        let cache = BlockCache(capacity: 256 << 10)
        var inserted: [(UInt64, UInt64, Block)] = []
        for i in 0..<3000 {
            let b = try block(size: Int.random(in: 4...8192, using: &rng))
            let file = UInt64(i % 7)
            let offset = UInt64(i) * 10_000
            cache.insert(fileNumber: file, offset: offset, block: b)
            inserted.append((file, offset, b))
            #expect(cache.usage <= cache.capacity, "seed \(seed), insert \(i)")
            // The block just inserted is there, and is the same object.
            #expect(cache.lookup(fileNumber: file, offset: offset) === b, "seed \(seed), insert \(i)")
            // Random earlier keys: either gone or the very block inserted under that key.
            let (f, o, earlier) = inserted[Int.random(in: 0..<inserted.count, using: &rng)]
            if let hit = cache.lookup(fileNumber: f, offset: o) { #expect(hit === earlier, "seed \(seed)") }
        }
        #expect(cache.count > 10)
        #expect(cache.lookup(fileNumber: 99, offset: 0) == nil)
    }

    @Test("the block cache evicts the least recently used block first")
    func blockCacheLRU() throws {
        // 16 shards of 16 KiB; 4 KiB blocks in one file land in shards by hash, so check per key:
        // a block touched after every insert survives a flood that evicts everything else.
        let cache = BlockCache(capacity: 16 * (16 << 10))
        let hot = try block(size: 4096)
        cache.insert(fileNumber: 1, offset: 0, block: hot)
        for i in 1...2000 {
            cache.insert(fileNumber: 1, offset: UInt64(i) * 4096, block: try block(size: 4096))
            #expect(cache.lookup(fileNumber: 1, offset: 0) === hot, "insert \(i)")
        }
        var survivors = 0
        for i in 1...1000 where cache.lookup(fileNumber: 1, offset: UInt64(i) * 4096) != nil { survivors += 1 }
        #expect(survivors == 0)
        // Replacing a key keeps one entry and accounts its new size.
        let before = cache.usage
        cache.insert(fileNumber: 1, offset: 0, block: try block(size: 1000))
        #expect(cache.usage == before - 4096 + 1000)
        // A block larger than a shard is not cached.
        cache.insert(fileNumber: 2, offset: 0, block: try block(size: 20 << 10))
        #expect(cache.lookup(fileNumber: 2, offset: 0) == nil)
    }

    @Test("the block cache survives concurrent use")
    func blockCacheConcurrent() async throws {
        let cache = BlockCache(capacity: 64 << 10)
        let blocks = try (0..<64).map { _ in try block(size: 2048) }
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var rng = TableTestRNG(seed: UInt64(worker))
                    for _ in 0..<20_000 {
                        let i = Int.random(in: 0..<64, using: &rng)
                        if let hit = cache.lookup(fileNumber: 1, offset: UInt64(i)) {
                            #expect(hit === blocks[i])
                        } else {
                            cache.insert(fileNumber: 1, offset: UInt64(i), block: blocks[i])
                        }
                    }
                }
            }
        }
        #expect(cache.usage <= cache.capacity)
    }

    @Test("tables read data blocks through the block cache")
    func tableUsesBlockCache() throws {
        var rng = TableTestRNG(seed: 11)
        let entries = TableTestSupport.randomEntries(userKeyCount: 2000, rng: &rng)
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let path = directory + "/000001.ldb"
        try TableTestSupport.buildTable(entries, options: LSMOptions(), path: path)
        let cache = BlockCache(capacity: 1 << 20)
        // Read with pread: a mapped table reads its uncompressed blocks in place, uncached.
        var readOptions = LSMOptions()
        readOptions.mapTableFiles = false
        let table = try TableTestSupport.openTable(path, options: readOptions, blockCache: cache)
        // Compaction-style reads do not fill the cache.
        _ = TableTestSupport.collect(table.makeIterator(verifyChecksums: true, fillCache: false))
        #expect(cache.count == 0)
        _ = TableTestSupport.collect(table.makeIterator(verifyChecksums: true, fillCache: true))
        let handles = TableTestSupport.dataBlockHandles(table)
        #expect(cache.count == handles.count)
        let first = try table.dataBlock(handles[0], verifyChecksums: true, fillCache: true)
        #expect(cache.lookup(fileNumber: 1, offset: handles[0].offset) === first)
    }

    @Test("concurrent lookups and scans share one table and a small block cache")
    func concurrentTableReads() async throws {
        let seed: UInt64 = 0x5EED
        var rng = TableTestRNG(seed: seed)
        let entries = TableTestSupport.randomEntries(
            userKeyCount: 4000, maxVersions: 1, valueLength: 20...60, compressibleValues: true, rng: &rng)
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let size = try TableTestSupport.buildTable(entries, options: LSMOptions(), path: FileNames.table(directory, 1))
        var options = LSMOptions()
        options.maxOpenFiles = 1
        let tableCache = TableCache(directory: directory, options: options, blockCache: BlockCache(capacity: 64 << 10))
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var rng = TableTestRNG(seed: seed + UInt64(worker))
                    var mismatches = 0
                    for _ in 0..<3000 {
                        let entry = entries[Int.random(in: 0..<entries.count, using: &rng)]
                        let lookupKey = InternalKey.make(entry.userKey, sequence: InternalKey.maxSequence, type: .value)
                        let got = try? lookupKey.withUnsafeBytes {
                            try tableCache.get(fileNumber: 1, size: size, lookupKey: $0)
                        }
                        if got != (entry.type == .deletion ? .deleted : .found(entry.value)) { mismatches += 1 }
                    }
                    if let iterator = try? tableCache.makeIterator(
                        fileNumber: 1, size: size, fillCache: worker % 2 == 0)
                    {
                        if TableTestSupport.collect(iterator).count != entries.count { mismatches += 1 }
                    }
                    return mismatches
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0, "seed \(seed)")
    }

    @Test("the table cache is bounded, reuses open tables and forgets evicted ones")
    func tableCacheBounded() throws {
        var rng = TableTestRNG(seed: 12)
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        var options = LSMOptions()
        options.maxOpenFiles = 3
        var contents: [UInt64: [TableTestSupport.Entry]] = [:]
        var sizes: [UInt64: UInt64] = [:]
        for number in UInt64(1)...6 {
            let entries = TableTestSupport.randomEntries(userKeyCount: 100, maxVersions: 1, rng: &rng)
            contents[number] = entries
            sizes[number] = try TableTestSupport.buildTable(
                entries, options: options, path: FileNames.table(directory, number))
        }
        let cache = TableCache(directory: directory, options: options, blockCache: BlockCache(capacity: 1 << 20))
        let first = try cache.table(fileNumber: 1, size: sizes[1]!)
        #expect(try cache.table(fileNumber: 1, size: sizes[1]!) === first)
        for round in 0..<3 {
            for number in UInt64(1)...6 {
                let entries = contents[number]!
                let entry = entries[(round * 7) % entries.count]
                let got = try InternalKey.make(entry.userKey, sequence: InternalKey.maxSequence, type: .value)
                    .withUnsafeBytes { try cache.get(fileNumber: number, size: sizes[number]!, lookupKey: $0) }
                #expect(got == (entry.type == .deletion ? .deleted : .found(entry.value)))
                #expect(cache.count <= 3)
                let all = TableTestSupport.collect(
                    try cache.makeIterator(fileNumber: number, size: sizes[number]!, fillCache: true))
                #expect(all.map(\.key) == entries.map(\.key))
            }
        }
        // Recently used tables stay; evicting one forgets it.
        let six = try cache.table(fileNumber: 6, size: sizes[6]!)
        #expect(try cache.table(fileNumber: 6, size: sizes[6]!) === six)
        cache.evict(fileNumber: 6)
        #expect(try cache.table(fileNumber: 6, size: sizes[6]!) !== six)
        // A missing file is an I/O error, not a crash.
        #expect(throws: LSMError.self) { _ = try cache.table(fileNumber: 99, size: 100) }
    }
}
