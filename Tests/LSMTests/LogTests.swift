import Testing

@testable import LSM

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `count` random bytes, eight per draw so large records stay cheap in debug builds.
private func randomBytes(_ count: Int, using rng: inout SeededGenerator) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var index = 0
    while index < count {
        var word = rng.next()
        for _ in 0..<min(8, count - index) {
            bytes[index] = UInt8(truncatingIfNeeded: word)
            word >>= 8
            index += 1
        }
    }
    return bytes
}

/// A fresh directory under /tmp, removed (with its files) by `removeLogDirectory`.
private func makeLogDirectory() -> String {
    var template = Array("/tmp/lsm-log-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed")
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private func removeLogDirectory(_ directory: String) {
    for name in (try? FileSystem.listDirectory(directory)) ?? [] {
        try? FileSystem.remove(directory + "/" + name)
    }
    rmdir(directory)
}

private let blockSize = LogFormat.blockSize
private let headerSize = LogFormat.headerSize

/// What reading a whole log produced.
private struct ReadOutcome {
    var records: [[UInt8]] = []
    var starts: [Int64] = []
    var error: LSMError?
    var droppedTornTail = false
    var validEnd: Int64 = 0
}

/// Reads every record of the log at `path` until the end or the first error.
private func readLog(_ path: String) throws -> ReadOutcome {
    let reader = LogReader(file: try PosixFile.openForReading(path))
    var outcome = ReadOutcome()
    do {
        while let record = try reader.readRecord() {
            outcome.records.append(record)
            outcome.starts.append(reader.lastRecordOffset)
        }
        // The end is sticky.
        #expect(try reader.readRecord() == nil)
    } catch let error as LSMError {
        outcome.error = error
        // The error is sticky.
        #expect(throws: error) { try reader.readRecord() }
    }
    outcome.droppedTornTail = reader.droppedTornTail
    outcome.validEnd = reader.validEnd
    return outcome
}

/// Writes `records` to a new log at `path`; returns each record's start and end offset as the test
/// predicts them from the format (a record starts in the next block when < 7 bytes are left).
@discardableResult
private func writeLog(_ path: String, _ records: [[UInt8]]) throws -> (starts: [Int64], ends: [Int64]) {
    let writer = LogWriter(file: try PosixFile.create(path))
    var starts: [Int64] = []
    var ends: [Int64] = []
    for record in records {
        let before = writer.offset
        let left = Int64(blockSize) - before % Int64(blockSize)
        starts.append(left < Int64(headerSize) ? before + left : before)
        try writer.addRecord(record)
        ends.append(writer.offset)
    }
    try writer.sync()
    try writer.close()
    return (starts, ends)
}

private func readFileBytes(_ path: String) throws -> [UInt8] {
    try PosixFile.openForReading(path).readAll()
}

private func writeFileBytes(_ path: String, _ bytes: [UInt8]) throws {
    let file = try PosixFile.create(path)
    try file.write(bytes)
    try file.close()
}

/// One physical record of a well-formed log, found by walking the blocks.
private struct PhysicalRecordInfo {
    let offset: Int
    let length: Int
    let type: UInt8
}

/// The physical records of a well-formed log, grouped by logical record.
private func physicalRecords(_ bytes: [UInt8]) -> [[PhysicalRecordInfo]] {
    var logical: [[PhysicalRecordInfo]] = []
    var current: [PhysicalRecordInfo] = []
    var blockStart = 0
    while blockStart < bytes.count {
        let blockEnd = min(blockStart + blockSize, bytes.count)
        var p = blockStart
        while blockEnd - p >= headerSize {
            let length = Int(bytes[p + 4]) | Int(bytes[p + 5]) << 8
            let info = PhysicalRecordInfo(offset: p, length: length, type: bytes[p + 6])
            current.append(info)
            if info.type == 1 || info.type == 4 {
                logical.append(current)
                current = []
            }
            p += headerSize + length
        }
        blockStart += blockSize
    }
    return logical
}

/// A physical record with a correct checksum, for crafting logs the writer would never produce.
private func physicalRecord(type: UInt8, _ payload: [UInt8], length: Int? = nil) -> [UInt8] {
    let crc = payload.withUnsafeBytes { LogFormat.storedChecksum(type: type, payload: $0) }
    var bytes: [UInt8] = []
    Coding.appendFixed32(&bytes, crc)
    let length = length ?? payload.count
    bytes.append(UInt8(length & 0xff))
    bytes.append(UInt8(length >> 8))
    bytes.append(type)
    bytes.append(contentsOf: payload)
    return bytes
}

/// `count` deterministic bytes that differ from record to record.
private func recordBytes(_ count: Int, tag: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ tag &* 7 &+ ($0 >> 8)) }
}

@Suite("WAL log format: writer, reader, torn tails and corruption")
struct LogTests {
    @Test("records of random sizes round-trip across block boundaries, exact fills and every trailer size")
    func randomRoundTrip() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        for seed: UInt64 in [0x5EED_0001, 0x5EED_0002, 0x5EED_0003] {
            var rng = SeededGenerator(seed: seed)
            var records: [[UInt8]] = []
            var offset = 0
            var trailersSeen = Set<Int>()
            for index in 0..<250 {
                let blockOffset = offset % blockSize
                let count: Int
                switch Int.random(in: 0..<100, using: &rng) {
                case 0..<25: count = Int.random(in: 0..<100, using: &rng)
                case 25..<45: count = Int.random(in: 100..<5000, using: &rng)
                case 45..<60: count = Int.random(in: 0...(100 * 1024), using: &rng)
                default:
                    // Leave exactly 0...7 bytes in the block (7: the next record starts with an empty
                    // FIRST fragment), when the record would otherwise fit in this block.
                    let left = blockSize - blockOffset < headerSize ? blockSize : blockSize - blockOffset
                    count = max(0, left - headerSize - Int.random(in: 0...7, using: &rng))
                }
                let record = randomBytes(count, using: &rng)
                records.append(record)
                // Track the layout the way the writer must produce it.
                var remaining = count
                var first = true
                repeat {
                    if blockSize - offset % blockSize < headerSize {
                        offset += blockSize - offset % blockSize
                    }
                    let fragment = min(remaining, blockSize - offset % blockSize - headerSize)
                    offset += headerSize + fragment
                    remaining -= fragment
                    first = false
                } while remaining > 0 || first
                let leftAfter = (blockSize - offset % blockSize) % blockSize
                if leftAfter < headerSize { trailersSeen.insert(leftAfter) }
                _ = index
            }
            let path = directory + "/\(seed).log"
            let (starts, ends) = try writeLog(path, records)
            #expect(Int64(offset) == ends.last, "seed \(seed)")
            #expect(try FileSystem.fileSize(path) == ends.last, "seed \(seed)")
            #expect(trailersSeen == Set(0..<headerSize), "seed \(seed): trailers \(trailersSeen.sorted())")

            let outcome = try readLog(path)
            #expect(outcome.error == nil, "seed \(seed)")
            #expect(outcome.records.count == records.count, "seed \(seed)")
            for i in 0..<min(records.count, outcome.records.count) where outcome.records[i] != records[i] {
                Issue.record(
                    "seed \(seed): record \(i) differs (\(outcome.records[i].count) vs \(records[i].count) bytes)")
                break
            }
            #expect(outcome.starts == starts, "seed \(seed)")
            #expect(!outcome.droppedTornTail, "seed \(seed)")
            #expect(outcome.validEnd == ends.last, "seed \(seed)")
        }
    }

    @Test("bytes on disk: header layout, zero trailer, FIRST/MIDDLE/LAST fragments, empty FIRST")
    func layout() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }

        // One small record: masked crc32c(type | payload), length 3 little-endian, FULL.
        let small = directory + "/small.log"
        try writeLog(small, [Array("abc".utf8)])
        let crc = CRC32C.mask(CRC32C.checksum([1] + Array("abc".utf8)))
        var expected: [UInt8] = []
        Coding.appendFixed32(&expected, crc)
        expected += [3, 0, 1] + Array("abc".utf8)
        #expect(try readFileBytes(small) == expected)

        // Leaving 1...6 bytes: they are zeroed and the next record starts the next block.
        for trailer in 1..<headerSize {
            let path = directory + "/trailer\(trailer).log"
            let first = [UInt8](repeating: 0xAB, count: blockSize - headerSize - trailer)
            try writeLog(path, [first, Array("next".utf8)])
            let bytes = try readFileBytes(path)
            #expect(bytes.count == blockSize + headerSize + 4)
            #expect(bytes[(blockSize - trailer)..<blockSize].allSatisfy { $0 == 0 }, "trailer \(trailer)")
            #expect(bytes[blockSize + 6] == 1 && bytes[blockSize + 4] == 4, "trailer \(trailer)")
            #expect(try readLog(path).records == [first, Array("next".utf8)])
        }

        // Exactly filling a block: no trailer at all.
        let exact = directory + "/exact.log"
        let filling = [UInt8](repeating: 7, count: blockSize - headerSize)
        try writeLog(exact, [filling, []])
        #expect(try readFileBytes(exact).count == blockSize + headerSize)
        #expect(try readLog(exact).records == [filling, []])

        // Two blocks and a bit: FIRST fills block 0, MIDDLE block 1, LAST starts block 2.
        let big = directory + "/big.log"
        let record = recordBytes(2 * blockSize, tag: 1)
        try writeLog(big, [record])
        let bytes = try readFileBytes(big)
        let fragments = physicalRecords(bytes)
        #expect(fragments.count == 1)
        #expect(fragments.first?.map(\.type) == [2, 3, 4])
        #expect(fragments.first?.map(\.offset) == [0, blockSize, 2 * blockSize])
        #expect(fragments.first?.map(\.length) == [blockSize - 7, blockSize - 7, 14])
        #expect(try readLog(big).records == [record])

        // The example of doc/log_format.md.
        let example = directory + "/example.log"
        try writeLog(example, [recordBytes(1000, tag: 4), recordBytes(97_270, tag: 5), recordBytes(8000, tag: 6)])
        let exampleBytes = try readFileBytes(example)
        let exampleLayout = physicalRecords(exampleBytes).flatMap { $0 }
        #expect(exampleLayout.map(\.offset) == [0, 1007, 32768, 65536, 98304])
        #expect(exampleLayout.map(\.length) == [1000, 31754, 32761, 32755, 8000])
        #expect(exampleLayout.map(\.type) == [1, 2, 3, 4, 1])
        #expect(exampleBytes[98298..<98304].allSatisfy { $0 == 0 })

        // Exactly 7 bytes left: the next record starts with an empty FIRST fragment there.
        let seven = directory + "/seven.log"
        let a = recordBytes(blockSize - 2 * headerSize, tag: 2)
        let b = recordBytes(20, tag: 3)
        try writeLog(seven, [a, b])
        let sevenFragments = physicalRecords(try readFileBytes(seven))
        #expect(sevenFragments.map { $0.map(\.type) } == [[1], [2, 4]])
        #expect(sevenFragments.last?.map(\.length) == [0, 20])
        #expect(try readLog(seven).records == [a, b])
    }

    @Test("an empty file holds no records and no torn tail; 1...6 bytes are a torn header")
    func emptyAndTinyFiles() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        let path = directory + "/empty.log"
        try writeFileBytes(path, [])
        let empty = try readLog(path)
        #expect(empty.records.isEmpty && empty.error == nil && !empty.droppedTornTail && empty.validEnd == 0)
        for size in 1..<headerSize {
            try writeFileBytes(path, [UInt8](repeating: UInt8(size), count: size))
            let tiny = try readLog(path)
            #expect(tiny.records.isEmpty && tiny.error == nil && tiny.droppedTornTail && tiny.validEnd == 0)
        }
    }

    @Test("a writer reopened at the file's size extends the log with block alignment intact")
    func appendWithInitialOffset() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        let path = directory + "/append.log"
        let before = [recordBytes(blockSize - 100, tag: 1), recordBytes(83, tag: 2)]  // leaves 3 bytes
        try writeLog(path, before)
        let size = try FileSystem.fileSize(path)
        #expect(size % Int64(blockSize) == Int64(blockSize - 3))
        let writer = LogWriter(file: try PosixFile.openForAppending(path), initialOffset: size)
        let after = [recordBytes(50_000, tag: 3), [], recordBytes(10, tag: 4)]
        for record in after { try writer.addRecord(record) }
        #expect(writer.offset == (try FileSystem.fileSize(path)))
        try writer.close()
        let outcome = try readLog(path)
        #expect(outcome.error == nil && !outcome.droppedTornTail)
        #expect(outcome.records == before + after)
        #expect(outcome.starts[2] == Int64(blockSize))
    }

    @Test("cutting the file anywhere in its last records drops exactly the unfinished ones")
    func tornTailAtEveryOffset() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        let path = directory + "/torn.log"
        var records = [recordBytes(100, tag: 1), recordBytes(5000, tag: 2), recordBytes(40_000, tag: 3)]
        let headEnd = Int(try writeLog(path, records).ends[2])
        // A record that leaves a 4-byte trailer in its block.
        records.append(recordBytes(blockSize - headEnd % blockSize - headerSize - 4, tag: 4))
        records += [recordBytes(3, tag: 5), recordBytes(70_000, tag: 6), [], recordBytes(200, tag: 7)]
        let (_, ends) = try writeLog(path, records)
        #expect(ends[3] % Int64(blockSize) == Int64(blockSize - 4))
        let full = try readFileBytes(path)
        let cutFrom = Int(ends[1])

        // Every offset near a record or block boundary, and a stride through the rest.
        var cuts = Set<Int>()
        var landmarks = ends.map { Int($0) } + [cutFrom]
        for block in stride(from: 0, through: full.count, by: blockSize) { landmarks.append(block) }
        for logical in physicalRecords(full) { for fragment in logical { landmarks.append(fragment.offset) } }
        for mark in landmarks { for delta in -9...9 { cuts.insert(mark + delta) } }
        for cut in stride(from: cutFrom, to: full.count, by: 251) { cuts.insert(cut) }
        let sorted = cuts.filter { $0 >= cutFrom && $0 <= full.count }.sorted(by: >)

        // Truncate one file ever shorter.
        let file = try PosixFile.create(path)
        try file.write(full)
        for cut in sorted {
            try file.truncate(to: Int64(cut))
            let complete = ends.filter { $0 <= Int64(cut) }.count
            let lastEnd = complete == 0 ? 0 : ends[complete - 1]
            // Clean only at a record's end, or at a block boundary after a trailer.
            let clean = Int64(cut) == lastEnd || (cut % blockSize == 0 && Int64(cut) - lastEnd < Int64(headerSize))
            let outcome = try readLog(path)
            #expect(outcome.error == nil, "cut \(cut): \(String(describing: outcome.error))")
            #expect(outcome.records == Array(records[0..<complete]), "cut \(cut)")
            #expect(outcome.droppedTornTail == !clean, "cut \(cut)")
            #expect(outcome.validEnd == lastEnd, "cut \(cut)")
        }
        try file.close()
    }

    @Test("after truncating a torn tail at validEnd the log can be extended and read whole")
    func truncateAndExtend() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        let path = directory + "/extend.log"
        let records = [recordBytes(30_000, tag: 1), recordBytes(10, tag: 2), recordBytes(60_000, tag: 3)]
        let (_, ends) = try writeLog(path, records)
        for cut in [ends[1] + 3, ends[1] + 20_000, ends[2] - 1] {
            let full = try readFileBytes(path)
            let scratch = directory + "/scratch.log"
            try writeFileBytes(scratch, Array(full[0..<Int(cut)]))
            let outcome = try readLog(scratch)
            #expect(outcome.droppedTornTail && outcome.validEnd == ends[1], "cut \(cut)")
            let file = try PosixFile.openForAppending(scratch)
            try file.truncate(to: outcome.validEnd)
            let writer = LogWriter(file: file, initialOffset: outcome.validEnd)
            let extra = recordBytes(40_000, tag: 9)
            try writer.addRecord(extra)
            try writer.close()
            let again = try readLog(scratch)
            #expect(again.error == nil && !again.droppedTornTail, "cut \(cut)")
            #expect(again.records == Array(records[0..<2]) + [extra], "cut \(cut)")
        }
    }

    @Test("random bytes after the last record are a torn tail; zeros from a header position on are the end")
    func garbageTails() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        let path = directory + "/tail.log"
        let records = [recordBytes(1000, tag: 1), recordBytes(40_000, tag: 2), recordBytes(17, tag: 3)]
        let (_, ends) = try writeLog(path, records)
        let clean = try readFileBytes(path)
        let seed: UInt64 = 0x7A11
        var rng = SeededGenerator(seed: seed)
        var tails: [[UInt8]] = [3, 7, 100, 40_000].map { [UInt8](repeating: 0, count: $0) }
        tails += [1, 8, 1000, 70_000].map { randomBytes($0, using: &rng) }
        for tail in tails {
            try writeFileBytes(path, clean + tail)
            let outcome = try readLog(path)
            #expect(outcome.error == nil, "seed \(seed), tail of \(tail.count)")
            #expect(outcome.records == records, "seed \(seed), tail of \(tail.count)")
            // Seven or more zeros where the next header would be: space a writer reserved, a clean end.
            let reservedSpace = tail.count >= headerSize && tail.allSatisfy { $0 == 0 }
            #expect(outcome.droppedTornTail == !reservedSpace, "seed \(seed), tail of \(tail.count)")
            #expect(outcome.validEnd == ends.last, "seed \(seed), tail of \(tail.count)")
        }
    }

    @Test(
        "a preallocated log reads back whole, ends cleanly in its zeros, and tears like any other",
        arguments: [true, false])
    func preallocatedLog(mapped: Bool) throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        let path = directory + "/prealloc.log"
        let seed: UInt64 = 0x9A11
        var rng = SeededGenerator(seed: seed)
        var records: [[UInt8]] = []
        for _ in 0..<300 { records.append(randomBytes(Int.random(in: 0...3000, using: &rng), using: &rng)) }
        // A small chunk, so the log outgrows its reservation several times.
        // Open for writing only, the reserved space cannot be mapped and records go through pwrite.
        let file = mapped ? try PosixFile.createReadWrite(path) : try PosixFile.create(path)
        let writer = LogWriter(file: file, preallocationChunk: 100_000)
        var ends: [Int64] = []
        for record in records {
            try writer.addRecord(record)
            ends.append(writer.offset)
        }
        try writer.sync()
        try writer.close()
        let fileSize = try FileSystem.fileSize(path)
        #expect(fileSize > ends[ends.count - 1], "seed \(seed): the file should be reserved past its records")

        let whole = try readLog(path)
        #expect(whole.error == nil && whole.records == records, "seed \(seed)")
        #expect(!whole.droppedTornTail && whole.validEnd == ends.last, "seed \(seed)")

        // A crash in the middle of the last record: part of it reached the disk, the rest is still
        // the reserved zeros.
        var bytes = try readFileBytes(path)
        let lastStart = Int(ends[ends.count - 2])
        let cut = lastStart + (Int(ends[ends.count - 1]) - lastStart) / 2
        for index in cut..<Int(ends[ends.count - 1]) { bytes[index] = 0 }
        try writeFileBytes(path, bytes)
        let torn = try readLog(path)
        #expect(torn.error == nil && torn.records == Array(records.dropLast()), "seed \(seed)")
        #expect(torn.droppedTornTail && torn.validEnd == ends[ends.count - 2], "seed \(seed)")
    }

    @Test("a damaged record followed by valid ones is corruption at its exact physical offset")
    func corruptMiddle() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        let path = directory + "/middle.log"
        let records = [
            recordBytes(10, tag: 1), recordBytes(3000, tag: 2), recordBytes(80_000, tag: 3), [],
            recordBytes(500, tag: 4), recordBytes(20, tag: 5),
        ]
        try writeLog(path, records)
        let clean = try readFileBytes(path)
        let layout = physicalRecords(clean)
        #expect(layout.count == records.count)
        // Every record but the last, every fragment, header and payload bytes.
        for index in 0..<(records.count - 1) {
            for fragment in layout[index] {
                var positions = [0, 3, 4, 5, 6]
                if fragment.length > 0 {
                    positions += [headerSize, headerSize + fragment.length / 2, headerSize + fragment.length - 1]
                }
                for position in positions {
                    var bytes = clean
                    bytes[fragment.offset + position] ^= 0x20
                    try writeFileBytes(path, bytes)
                    let outcome = try readLog(path)
                    let label = "record \(index), fragment at \(fragment.offset), byte \(position)"
                    #expect(outcome.records == Array(records[0..<index]), "\(label)")
                    guard case .corruption(let file, let offset, let reason) = outcome.error else {
                        Issue.record("\(label): expected corruption, got \(String(describing: outcome.error))")
                        continue
                    }
                    #expect(file == path, "\(label)")
                    #expect(offset == Int64(fragment.offset), "\(label): \(reason)")
                }
            }
        }
    }

    @Test("damage anywhere in the last record is a torn tail")
    func damagedLastRecord() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        let path = directory + "/last.log"
        for last in [recordBytes(30, tag: 7), recordBytes(75_000, tag: 8), []] {
            let records = [recordBytes(100, tag: 1), recordBytes(33_000, tag: 2), last]
            let (_, ends) = try writeLog(path, records)
            let clean = try readFileBytes(path)
            let layout = physicalRecords(clean)
            for fragment in layout[2] {
                for position in Set([0, 4, 5, 6, headerSize + fragment.length / 2, headerSize + fragment.length - 1])
                where position < headerSize + fragment.length {
                    var bytes = clean
                    bytes[fragment.offset + position] ^= 0x01
                    try writeFileBytes(path, bytes)
                    let outcome = try readLog(path)
                    let label = "last of \(last.count), fragment at \(fragment.offset), byte \(position)"
                    #expect(outcome.error == nil, "\(label): \(String(describing: outcome.error))")
                    #expect(outcome.records == Array(records[0..<2]), "\(label)")
                    #expect(outcome.droppedTornTail, "\(label)")
                    #expect(outcome.validEnd == ends[1], "\(label)")
                }
            }
        }
    }

    @Test("fragments out of sequence, unknown types and impossible lengths")
    func structuralDamage() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        let path = directory + "/crafted.log"
        let a = physicalRecord(type: 1, Array("a".utf8))  // 8 bytes
        let c = physicalRecord(type: 1, Array("c".utf8))

        func check(_ bytes: [UInt8], records: Int, corruptionAt: Int64?, torn: Bool = false, _ label: String) throws {
            try writeFileBytes(path, bytes)
            let outcome = try readLog(path)
            #expect(outcome.records.count == records, "\(label)")
            if let corruptionAt {
                guard case .corruption(let file, let offset, _) = outcome.error else {
                    Issue.record("\(label): expected corruption, got \(String(describing: outcome.error))")
                    return
                }
                #expect(file == path && offset == corruptionAt, "\(label): offset \(offset)")
            } else {
                #expect(outcome.error == nil, "\(label): \(String(describing: outcome.error))")
                #expect(outcome.droppedTornTail == torn, "\(label)")
            }
        }

        try check(a + physicalRecord(type: 2, [9]) + c, records: 1, corruptionAt: 8, "FIRST then FULL")
        try check(
            a + physicalRecord(type: 2, [9]) + physicalRecord(type: 2, [8]), records: 1, corruptionAt: 8,
            "FIRST then FIRST")
        try check(physicalRecord(type: 3, [9]) + a, records: 0, corruptionAt: 0, "MIDDLE without FIRST")
        try check(a + physicalRecord(type: 4, [9]) + c, records: 1, corruptionAt: 8, "LAST without FIRST")
        try check(a + physicalRecord(type: 4, [9]), records: 1, corruptionAt: nil, torn: true, "orphan LAST at the end")
        try check(a + physicalRecord(type: 5, [9]) + c, records: 1, corruptionAt: 8, "unknown type 5")
        try check(a + physicalRecord(type: 0, []) + c, records: 1, corruptionAt: 8, "type 0 with a valid crc")
        try check(
            a + physicalRecord(type: 255, [1, 2]), records: 1, corruptionAt: nil, torn: true, "bad type at the end")
        try check(a + [UInt8](repeating: 0, count: 7) + c, records: 1, corruptionAt: 8, "zeros then a record")

        // A length that runs past the block, with a valid record in the next block.
        var block = a + physicalRecord(type: 1, [], length: 0xFFFF)
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        try check(block + c, records: 1, corruptionAt: 8, "length past the block")
        try check(block, records: 1, corruptionAt: nil, torn: true, "length past the block at the end")
        // The same in a partial last block: the file ends inside the payload.
        try check(
            a + physicalRecord(type: 1, [], length: 0xFFFF), records: 1, corruptionAt: nil, torn: true, "huge length")
        // A header cut short by the end of a partial block.
        try check(a + Array(c[0..<5]), records: 1, corruptionAt: nil, torn: true, "cut header")
        // A FIRST that is valid but never finished.
        try check(
            a + physicalRecord(type: 2, [1, 2, 3]), records: 1, corruptionAt: nil, torn: true, "unfinished FIRST")
    }

    @Test("random bytes and randomly damaged logs never trap and only ever yield written records")
    func garbageNeverTraps() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        let path = directory + "/garbage.log"
        let seed: UInt64 = 0xBAD5EED
        var rng = SeededGenerator(seed: seed)

        // Pure noise, and noise made of plausible headers.
        for round in 0..<16 {
            let size = Int.random(in: 0...(70 * 1024), using: &rng)
            var bytes = randomBytes(size, using: &rng)
            if round % 2 == 1 {
                var p = 0
                while p + headerSize <= bytes.count {
                    bytes[p + 6] = UInt8.random(in: 0...6, using: &rng)
                    bytes[p + 5] = UInt8.random(in: 0...0x90, using: &rng)
                    p += Int.random(in: 1...3000, using: &rng)
                }
            }
            try writeFileBytes(path, bytes)
            let outcome = try readLog(path)
            if let error = outcome.error {
                guard case .corruption(let file, _, _) = error, file == path else {
                    Issue.record("seed \(seed), round \(round): unexpected \(error)")
                    continue
                }
            }
        }

        // A valid log, then random byte changes or a cut: whatever is returned is a prefix of the
        // written records.
        var records: [[UInt8]] = []
        for i in 0..<40 {
            records.append(
                recordBytes(Int.random(in: 0...(Bool.random(using: &rng) ? 200 : 40_000), using: &rng), tag: i))
        }
        try writeLog(path, records)
        let clean = try readFileBytes(path)
        for round in 0..<40 {
            var bytes = clean
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[at] = UInt8.random(in: 0...255, using: &rng)
            }
            if round % 3 == 0 { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &rng)) }
            try writeFileBytes(path, bytes)
            let outcome = try readLog(path)
            #expect(outcome.records.count <= records.count, "seed \(seed), round \(round)")
            #expect(
                outcome.records == Array(records[0..<min(outcome.records.count, records.count)]),
                "seed \(seed), round \(round)")
            if let error = outcome.error {
                guard case .corruption(let file, _, _) = error, file == path else {
                    Issue.record("seed \(seed), round \(round): unexpected \(error)")
                    continue
                }
            }
        }
    }

    @Test("a failed write makes the writer refuse further appends with the same error")
    func stickyWriteError() throws {
        let directory = makeLogDirectory()
        defer { removeLogDirectory(directory) }
        let path = directory + "/readonly.log"
        try writeFileBytes(path, [])
        // A descriptor opened read-only: pwrite fails with EBADF.
        let writer = LogWriter(file: try PosixFile.openForReading(path))
        var first: LSMError?
        do { try writer.addRecord([1, 2, 3]) } catch let error as LSMError { first = error }
        guard case .io(let operation, _, let code) = first else {
            Issue.record("expected an io error, got \(String(describing: first))")
            return
        }
        #expect(operation == "pwrite" && code == EBADF)
        #expect(throws: first!) { try writer.addRecord([]) }
        #expect(throws: first!) { try writer.sync() }
        #expect(writer.offset == 0)
    }
}
