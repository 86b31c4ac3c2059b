import Foundation
import LSM
import Testing

@Suite("LSMStore public API")
struct StoreTests {
    @Test("put, get, delete, overwrite and reopen")
    func basicOperations() throws {
        let directory = TemporaryDirectory("lsm-basic")
        defer { directory.cleanup() }
        do {
            let db = try LSMStore(directory: directory.path)
            try db.put(bytes("a"), bytes("1"))
            try db.put(bytes("b"), bytes("2"), sync: true)
            try db.put(bytes("a"), bytes("3"))
            try db.delete(bytes("b"))
            try db.delete(bytes("never-there"))
            #expect(try db.get(bytes("a")) == bytes("3"))
            #expect(try db.get(bytes("b")) == nil)
            try db.put([], bytes("empty key"))
            #expect(try db.get([]) == bytes("empty key"))
            try db.close()
            #expect(throws: LSMError.closed) { try db.get(bytes("a")) }
            #expect(throws: LSMError.closed) { try db.put(bytes("a"), []) }
        }
        let db = try LSMStore(directory: directory.path)
        #expect(try db.get(bytes("a")) == bytes("3"))
        #expect(try db.get(bytes("b")) == nil)
        #expect(try db.get([]) == bytes("empty key"))
        try db.close()
    }

    @Test("puts, deletes and gets on borrowed bytes agree with the array API")
    func borrowedBytes() throws {
        let directory = TemporaryDirectory("lsm-borrowed")
        defer { directory.cleanup() }
        let db = try LSMStore(directory: directory.path)
        let key = bytes("borrowed-key")
        let value = bytes("borrowed-value")
        try key.withUnsafeBytes { k in try value.withUnsafeBytes { v in try db.put(k, v, sync: true) } }
        #expect(try db.get(key) == value)
        #expect(try key.withUnsafeBytes { try db.get($0) } == value)
        try db.put(bytes("array-key"), bytes("array-value"))
        #expect(try bytes("array-key").withUnsafeBytes { try db.get($0) } == bytes("array-value"))
        // An empty key and an empty value, from buffers without a base address.
        try db.put(UnsafeRawBufferPointer(start: nil, count: 0), UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(try db.get([]) == [])
        try key.withUnsafeBytes { try db.delete($0) }
        #expect(try db.get(key) == nil)
        var batch = WriteBatch()
        bytes("b1").withUnsafeBytes { k in bytes("v1").withUnsafeBytes { v in batch.put(k, v) } }
        bytes("array-key").withUnsafeBytes { batch.delete($0) }
        try db.write(batch)
        #expect(try db.get(bytes("b1")) == bytes("v1"))
        #expect(try db.get(bytes("array-key")) == nil)
        let huge = [UInt8](repeating: 1, count: LSMStore.maxKeySize + 1)
        #expect(throws: LSMError.self) {
            try huge.withUnsafeBytes { k in try db.put(k, UnsafeRawBufferPointer(start: nil, count: 0)) }
        }
        try db.close()
        let reopened = try LSMStore(directory: directory.path)
        #expect(try reopened.get(bytes("b1")) == bytes("v1"))
        #expect(try reopened.get([]) == [])
        try reopened.close()
    }

    @Test("a value larger than a WAL block and a table block survives reopen and compaction")
    func largeValues() throws {
        let directory = TemporaryDirectory("lsm-large")
        defer { directory.cleanup() }
        let big = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let db = try LSMStore(directory: directory.path)
        try db.put(bytes("big"), big, sync: true)
        try db.put(bytes("small"), bytes("x"))
        try db.close()
        let reopened = try LSMStore(directory: directory.path)
        #expect(try reopened.get(bytes("big")) == big)
        try reopened.compactRange()
        #expect(try reopened.get(bytes("big")) == big)
        #expect(try reopened.get(bytes("small")) == bytes("x"))
        try reopened.close()
    }

    @Test("a write batch applies all of its operations in order")
    func batches() throws {
        let directory = TemporaryDirectory("lsm-batch")
        defer { directory.cleanup() }
        let db = try LSMStore(directory: directory.path)
        try db.put(bytes("gone"), bytes("x"))
        var batch = WriteBatch()
        batch.put(bytes("k1"), bytes("v1"))
        batch.put(bytes("k2"), bytes("v2"))
        batch.delete(bytes("gone"))
        batch.put(bytes("k1"), bytes("v1b"))
        #expect(batch.count == 4)
        try db.write(batch, sync: true)
        #expect(try db.get(bytes("k1")) == bytes("v1b"))
        #expect(try db.get(bytes("k2")) == bytes("v2"))
        #expect(try db.get(bytes("gone")) == nil)
        try db.close()
    }

    @Test("scans are ordered, bounded and see a snapshot")
    func scansAndSnapshots() throws {
        let directory = TemporaryDirectory("lsm-scan")
        defer { directory.cleanup() }
        let db = try LSMStore(directory: directory.path)
        for i in 0..<100 { try db.put(bytes("k\(String(format: "%03d", i))"), bytes("v\(i)")) }
        try db.put(bytes("l"), bytes("after the prefix"))
        let snapshot = db.snapshot()
        try db.delete(bytes("k050"))
        try db.put(bytes("k051"), bytes("changed"))
        try db.compactRange()

        let range = try db.scan(from: bytes("k010"), to: bytes("k020"))
        #expect(range.map(\.key) == (10..<20).map { bytes("k\(String(format: "%03d", $0))") })
        let prefixed = try db.scan(prefix: bytes("k"))
        #expect(prefixed.count == 99)
        #expect(try db.scan(prefix: bytes("k"), limit: 5).count == 5)
        #expect(try db.get(bytes("k050"), at: snapshot) == bytes("v50"))
        #expect(try db.get(bytes("k051"), at: snapshot) == bytes("v51"))
        let old = try db.scan(prefix: bytes("k"), at: snapshot)
        #expect(old.count == 100)
        #expect(old[51].value == bytes("v51"))

        let iterator = try db.makeIterator(from: bytes("k098"))
        var keys: [[UInt8]] = []
        while let (key, _) = try iterator.next() { keys.append(key) }
        #expect(keys == [bytes("k098"), bytes("k099"), bytes("l")])
        try db.close()
    }

    @Test("a second open of the same directory fails with a clear error")
    func lockedDirectory() throws {
        let directory = TemporaryDirectory("lsm-lock")
        defer { directory.cleanup() }
        let db = try LSMStore(directory: directory.path)
        #expect(throws: LSMError.locked(path: directory.path + "/LOCK")) {
            try LSMStore(directory: directory.path)
        }
        try db.close()
        // Once closed, the directory can be opened again.
        try LSMStore(directory: directory.path).close()
    }

    @Test("createIfMissing and errorIfExists are honoured")
    func openOptions() throws {
        let directory = TemporaryDirectory("lsm-options")
        defer { directory.cleanup() }
        var strict = LSMOptions()
        strict.createIfMissing = false
        #expect(throws: LSMError.notFound(path: directory.path + "/missing")) {
            try LSMStore(directory: directory.path + "/missing", options: strict)
        }
        try LSMStore(directory: directory.path).close()
        var exclusive = LSMOptions()
        exclusive.errorIfExists = true
        #expect(throws: LSMError.alreadyExists(path: directory.path)) {
            try LSMStore(directory: directory.path, options: exclusive)
        }
    }

    @Test("concurrent writers all commit, sharing write groups")
    func concurrentWriters() async throws {
        let directory = TemporaryDirectory("lsm-concurrent")
        defer { directory.cleanup() }
        let db = try LSMStore(directory: directory.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for i in 0..<200 { try db.put(bytes("w\(writer)-\(i)"), bytes("\(i)"), sync: i % 10 == 0) }
                }
            }
            try await group.waitForAll()
        }
        for writer in 0..<8 {
            for i in 0..<200 { #expect(try db.get(bytes("w\(writer)-\(i)")) == bytes("\(i)")) }
        }
        let stats = db.stats()
        #expect(stats.writes == 1600)
        #expect(stats.writeGroups <= stats.writes)
        try db.close()
    }

    @Test("tables below uncompressedLevels are stored raw, deeper ones compressed")
    func compressionByLevel() throws {
        func tableBytes(uncompressedLevels: Int) throws -> Int64 {
            let directory = TemporaryDirectory("lsm-compress")
            defer { directory.cleanup() }
            var options = LSMOptions()
            options.uncompressedLevels = uncompressedLevels
            let db = try LSMStore(directory: directory.path, options: options)
            // 100-byte values that compress about 2:1: 50 random bytes, twice.
            var random = SeededGenerator(seed: 5)
            for i in 0..<5000 {
                let half = (0..<50).map { _ in UInt8.random(in: 32...126, using: &random) }
                try db.put(bytes(String(format: "key%08d", i)), half + half)
            }
            try db.compactRange()
            let total = db.stats().totalTableBytes
            try db.close()
            return total
        }
        let raw = Int64(5000 * (11 + 100))
        let compressed = try tableBytes(uncompressedLevels: 0)
        let uncompressed = try tableBytes(uncompressedLevels: 7)
        #expect(compressed < raw * 3 / 4, "\(compressed) bytes for \(raw) raw")
        #expect(uncompressed > raw, "\(uncompressed) bytes for \(raw) raw")
    }

    @Test("the zero-copy iterator step sees the same entries as the copying one")
    func zeroCopyIteration() throws {
        let directory = TemporaryDirectory("lsm-zerocopy")
        defer { directory.cleanup() }
        let db = try LSMStore(directory: directory.path)
        for i in 0..<300 { try db.put(bytes("k\(i)"), bytes("v\(i)")) }
        let iterator = try db.makeIterator()
        var seen: [String] = []
        while let entry = try iterator.next({ key, value in
            String(decoding: key, as: UTF8.self) + "=" + String(decoding: value, as: UTF8.self)
        }) {
            seen.append(entry)
        }
        let expected = try db.scan().map {
            String(decoding: $0.key, as: UTF8.self) + "=" + String(decoding: $0.value, as: UTF8.self)
        }
        #expect(seen == expected)
        #expect(seen.count == 300)
        try db.close()
    }

    @Test("overwriting 10k keys 50 times settles to at most 2x the live data on disk")
    func compactionBoundsSpace() throws {
        let directory = TemporaryDirectory("lsm-space")
        defer { directory.cleanup() }
        let db = try LSMStore(directory: directory.path)
        let keys = 10_000
        var value = [UInt8](repeating: 0, count: 100)
        for round in 0..<50 {
            for i in 0..<keys {
                // Values change every round and do not compress much, so space is not flattered.
                for j in 0..<100 {
                    value[j] = UInt8(truncatingIfNeeded: (i &* 31 &+ j &* 17 &+ round &* 7) &* 2_654_435_761 >> 7)
                }
                try db.put(bytes(String(format: "key%013d", i)), value)
            }
        }
        try db.compactRange()
        let live = Int64(keys * (16 + 100))
        let onDisk = directoryListing(directory.path)
            .filter { $0.name.hasSuffix(".ldb") || $0.name.hasSuffix(".log") }
            .reduce(Int64(0)) { $0 + $1.size }
        #expect(onDisk <= 2 * live, "\(onDisk) bytes on disk for \(live) live bytes")
        // Compaction deleted the tables it replaced right away, not at the next open.
        let tables = directoryListing(directory.path).filter { $0.name.hasSuffix(".ldb") }.count
        #expect(tables == db.stats().levels.reduce(0) { $0 + $1.files })
        #expect(try db.get(bytes(String(format: "key%013d", 1234))) != nil)
        #expect(try db.scan().count == keys)
        try db.close()
    }
}
