@testable import LSM

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The table tests' seeded generator (the shared SplitMix64 one), so every failure can be replayed
/// from the seed its message prints.
typealias TableTestRNG = SeededGenerator

extension SeededGenerator {
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// Helpers shared by the block, table and cache tests.
enum TableTestSupport {
    /// One table entry as the tests build it.
    struct Entry {
        var key: [UInt8]
        var value: [UInt8]
        var userKey: [UInt8] { Array(key[0..<(key.count - 8)]) }
        var sequence: UInt64 { key.withUnsafeBytes { InternalKey.sequence($0) } }
        var type: ValueType? { key.withUnsafeBytes { InternalKey.type($0) } }
    }

    /// The index of the first of the sorted `entries` at or after the internal key `target`.
    static func lowerBound(_ entries: [Entry], _ target: [UInt8]) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if InternalKey.compare(entries[mid].key, target) < 0 { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// A fresh empty directory under /tmp.
    static func makeTempDirectory() -> String {
        var template = Array("/tmp/lsm-table-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes `directory` and the files in it.
    static func removeDirectory(_ directory: String) {
        for name in (try? FileSystem.listDirectory(directory)) ?? [] {
            try? FileSystem.remove(directory + "/" + name)
        }
        rmdir(directory)
    }

    /// `userKeyCount` distinct random user keys, each with 1 to `maxVersions` versions (distinct
    /// sequences, about 10% tombstones), sorted in internal key order.
    static func randomEntries(
        userKeyCount: Int, maxVersions: Int = 3, valueLength: ClosedRange<Int> = 0...60,
        compressibleValues: Bool = false, rng: inout TableTestRNG
    ) -> [Entry] {
        var seen = Set<[UInt8]>()
        var entries: [Entry] = []
        while seen.count < userKeyCount {
            let userKey = rng.bytes(Int.random(in: 4...24, using: &rng))
            guard seen.insert(userKey).inserted else { continue }
            var sequences = Set<UInt64>()
            let versions = Int.random(in: 1...maxVersions, using: &rng)
            while sequences.count < versions { sequences.insert(UInt64.random(in: 1...1_000_000, using: &rng)) }
            for sequence in sequences {
                let type: ValueType = Int.random(in: 0..<10, using: &rng) == 0 ? .deletion : .value
                var value: [UInt8] = []
                if type == .value {
                    let length = Int.random(in: valueLength, using: &rng)
                    value = compressibleValues ? compressibleBytes(length, rng: &rng) : rng.bytes(length)
                }
                entries.append(Entry(key: InternalKey.make(userKey, sequence: sequence, type: type), value: value))
            }
        }
        entries.sort { InternalKey.compare($0.key, $1.key) < 0 }
        return entries
    }

    /// Bytes that deflate to about half their size: random bytes from a 16-letter alphabet.
    static func compressibleBytes(_ count: Int, rng: inout TableTestRNG) -> [UInt8] {
        (0..<count).map { _ in UInt8(ascii: "a") + UInt8.random(in: 0..<16, using: &rng) }
    }

    /// Writes `entries` as a table at `path` and returns the file size.
    @discardableResult
    static func buildTable(_ entries: [Entry], options: LSMOptions, path: String) throws -> UInt64 {
        let file = try PosixFile.create(path)
        let builder = TableBuilder(options: options, file: file, fileName: path)
        for entry in entries {
            try entry.key.withUnsafeBytes { k in try entry.value.withUnsafeBytes { v in try builder.add(k, v) } }
        }
        precondition(builder.entryCount == entries.count)
        let size = try builder.finish()
        try file.close()
        return size
    }

    /// Opens the table at `path`.
    static func openTable(
        _ path: String, fileNumber: UInt64 = 1, options: LSMOptions = LSMOptions(), blockCache: BlockCache? = nil
    ) throws -> Table {
        let file = try PosixFile.openForReading(path)
        return try Table.open(
            file: file, fileNumber: fileNumber, size: UInt64(try file.size()), options: options, blockCache: blockCache)
    }

    /// Every (key, value) of `iterator` from the first entry on.
    static func collect(_ iterator: any InternalIterator) -> [Entry] {
        var result: [Entry] = []
        iterator.seekToFirst()
        while iterator.isValid {
            result.append(Entry(key: Array(iterator.key), value: Array(iterator.value)))
            iterator.next()
        }
        return result
    }

    /// The handles of the table's data blocks, read from its index.
    static func dataBlockHandles(_ table: Table) -> [BlockHandle] {
        let iterator = BlockIterator(block: table.indexBlock)
        var handles: [BlockHandle] = []
        iterator.seekToFirst()
        while iterator.isValid {
            if let handle = BlockHandle.decode(iterator.value) { handles.append(handle) }
            iterator.next()
        }
        return handles
    }

    /// The footer of the table file at `path`.
    static func readFooter(_ path: String) throws -> Footer {
        let bytes = try PosixFile.openForReading(path).readAll()
        return try bytes.withUnsafeBytes { raw in
            try Footer.decode(
                UnsafeRawBufferPointer(rebasing: raw[(raw.count - Footer.encodedLength)...]), file: path,
                offset: Int64(raw.count - Footer.encodedLength))
        }
    }

    /// Overwrites the byte at `offset` of the file at `path` with `transform(byte)`.
    static func patchFile(_ path: String, offset: Int, _ transform: (UInt8) -> UInt8) throws {
        var bytes = try PosixFile.openForReading(path).readAll()
        bytes[offset] = transform(bytes[offset])
        let file = try PosixFile.create(path)
        try file.write(bytes)
        try file.close()
    }

    /// Rewrites the checksum of the block at `handle` to match its (possibly altered) bytes.
    static func resealBlock(_ path: String, handle: BlockHandle) throws {
        var bytes = try PosixFile.openForReading(path).readAll()
        let start = Int(handle.offset)
        let end = start + Int(handle.size)
        let crc = CRC32C.mask(CRC32C.checksum(Array(bytes[start...end])))
        for i in 0..<4 { bytes[end + 1 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        let file = try PosixFile.create(path)
        try file.write(bytes)
        try file.close()
    }
}

extension InternalIterator {
    /// Seeks to an internal key held in an array.
    func seek(toKey key: [UInt8]) {
        key.withUnsafeBytes { seek($0) }
    }
}
