import Testing

@testable import LSM

@Suite("Compression: the fixed-code inflater, segmented blocks and partly inflated lookups")
struct CompressionTests {
    private typealias Entry = TableTestSupport.Entry

    /// Bytes of one of the shapes table blocks have: 0 random (incompressible), 1 db_bench values
    /// (50 random printable bytes, twice), 2 long runs (distance-1 matches of 258 bytes), 3 text
    /// from a 16-letter alphabet, 4 random chunks repeated from far back (distances up to 32 KiB).
    private static func sample(shape: Int, count: Int, rng: inout SeededGenerator) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            switch shape {
            case 0: bytes.append(UInt8.random(in: 0...255, using: &rng))
            case 1:
                let half = (0..<50).map { _ in UInt8.random(in: 32...126, using: &rng) }
                bytes += half + half
            case 2:
                bytes += [UInt8](
                    repeating: UInt8.random(in: 0...255, using: &rng), count: Int.random(in: 1...600, using: &rng))
            case 3: bytes.append(UInt8(ascii: "a") + UInt8.random(in: 0..<16, using: &rng))
            default:
                if bytes.count > 64, Bool.random(using: &rng) {
                    let length = Int.random(in: 3...300, using: &rng)
                    let from = Int.random(in: max(0, bytes.count - 32_000)..<bytes.count, using: &rng)
                    for i in 0..<length { bytes.append(bytes[from + i]) }
                } else {
                    bytes += (0..<Int.random(in: 1...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng)
                    }
                }
            }
        }
        return Array(bytes.prefix(count))
    }

    private static func deflate(_ input: [UInt8], fixedCodes: Bool) -> [UInt8] {
        let output = ByteBuffer(capacity: 64)
        let deflater = Zlib.Deflater(fixedCodes: fixedCodes)
        let ok = input.withUnsafeBytes { Zlib.compress($0, with: deflater, appendingTo: output) }
        precondition(ok, "zlib refused to deflate")
        return Array(output.bytes)
    }

    /// Inflates `stream` with ``FixedHuffmanInflater`` into `capacity` bytes, in one call or in
    /// steps of random size; returns the bytes when the stream ends having filled the buffer.
    private static func inflate(
        _ stream: [UInt8], capacity: Int, steps: inout SeededGenerator?
    ) throws(FixedHuffmanInflater.Failure) -> [UInt8]? {
        let input = UnsafeMutableRawPointer.allocate(byteCount: max(stream.count, 1), alignment: 8)
        let output = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 1), alignment: 8)
        defer {
            input.deallocate()
            output.deallocate()
        }
        input.copyMemory(from: stream, byteCount: stream.count)
        var inflater = FixedHuffmanInflater(input: input, inputCount: stream.count, output: output, capacity: capacity)
        if var rng = steps {
            var target = 0
            while true {
                target += Int.random(in: 1...700, using: &rng)
                let progress = try inflater.decode(until: target)
                if progress == .streamEnded { break }
                #expect(inflater.produced >= target)
            }
            steps = rng
        } else {
            _ = try inflater.decode(until: Int.max)
        }
        guard inflater.produced == capacity else { return nil }
        return Array(UnsafeRawBufferPointer(start: output, count: capacity))
    }

    /// zlib's own inflation of `stream` into exactly `capacity` bytes, or `nil` when it fails.
    private static func zlibInflate(_ stream: [UInt8], capacity: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: max(capacity, 1))
        let ok = stream.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                (try? Zlib.inflateWithZlib(
                    input, into: UnsafeMutableRawBufferPointer(rebasing: out[0..<capacity]), file: "t", offset: 0))
                    != nil
            }
        }
        return ok ? Array(output.prefix(capacity)) : nil
    }

    @Test("the fixed-code inflater gives back what zlib deflated, for every shape and size, whole or piece by piece")
    func roundTrip() throws {
        let seed = testSeed(default: 0xF1ED)
        var rng = SeededGenerator(seed: seed)
        for round in 0..<300 {
            let shape = round % 5
            let count =
                round % 7 == 0 ? Int.random(in: 33_000...70_000, using: &rng) : Int.random(in: 0...9000, using: &rng)
            let input = Self.sample(shape: shape, count: count, rng: &rng)
            let stream = Self.deflate(input, fixedCodes: true)
            var whole: SeededGenerator? = nil
            let wholeMatches = try Self.inflate(stream, capacity: input.count, steps: &whole) == input
            #expect(wholeMatches, "seed \(seed), round \(round): whole")
            var steps: SeededGenerator? = SeededGenerator(seed: seed &+ UInt64(round))
            let stepsMatch = try Self.inflate(stream, capacity: input.count, steps: &steps) == input
            #expect(stepsMatch, "seed \(seed), round \(round): in steps")
        }
    }

    @Test("stored blocks inflate, alone and followed by a fixed-code block")
    func storedBlocks() throws {
        let head: [UInt8] = Array("stored bytes, copied as they are".utf8)
        let tail: [UInt8] = Array(repeating: UInt8(ascii: "z"), count: 500) + Array("end".utf8)
        func storedBlock(_ bytes: [UInt8], final: Bool) -> [UInt8] {
            let length = UInt16(bytes.count)
            return [
                final ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8),
            ]
                + bytes
        }
        var none: SeededGenerator? = nil
        #expect(try Self.inflate(storedBlock(head, final: true), capacity: head.count, steps: &none) == head)
        // zlib's stream starts on a byte boundary, where the stored block ends.
        let mixed = storedBlock(head, final: false) + Self.deflate(tail, fixedCodes: true)
        #expect(try Self.inflate(mixed, capacity: head.count + tail.count, steps: &none) == head + tail)
        var steps: SeededGenerator? = SeededGenerator(seed: 5)
        #expect(try Self.inflate(mixed, capacity: head.count + tail.count, steps: &steps) == head + tail)
        // A length whose complement does not match is corruption.
        var damaged = storedBlock(head, final: true)
        damaged[3] ^= 1
        #expect(throws: FixedHuffmanInflater.Failure.self) {
            try Self.inflate(damaged, capacity: head.count, steps: &none)
        }
    }

    @Test("a stream with dynamic codes is left to zlib, which Zlib.decompress then uses")
    func dynamicCodes() throws {
        var rng = SeededGenerator(seed: testSeed(default: 0xD1))
        let input = Self.sample(shape: 3, count: 8000, rng: &rng)
        let stream = Self.deflate(input, fixedCodes: false)
        var none: SeededGenerator? = nil
        let failure = #expect(throws: FixedHuffmanInflater.Failure.self) {
            try Self.inflate(stream, capacity: input.count, steps: &none)
        }
        if case .dynamicCodes = failure {
        } else {
            Issue.record("expected dynamicCodes, got \(String(describing: failure))")
        }
        var output = [UInt8](repeating: 0, count: input.count)
        try stream.withUnsafeBytes { source in
            try output.withUnsafeMutableBytes { try Zlib.decompress(source, into: $0, file: "t", offset: 0) }
        }
        #expect(output == input)
    }

    /// A fixed-code stream of `shape` data, damaged one of four ways (flipped bits, cut short,
    /// garbage appended, a byte replaced), and an output size that is sometimes a few bytes off.
    private static func damagedStream(shape: Int, rng: inout SeededGenerator) -> (stream: [UInt8], capacity: Int) {
        let input = sample(shape: shape, count: Int.random(in: 1...3000, using: &rng), rng: &rng)
        var stream = deflate(input, fixedCodes: true)
        switch Int.random(in: 0..<4, using: &rng) {
        case 0:
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                stream[Int.random(in: 0..<stream.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            }
        case 1: stream.removeLast(Int.random(in: 1...stream.count, using: &rng))
        case 2:
            stream += (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        default:
            stream[Int.random(in: 0..<stream.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        }
        return (stream, max(0, input.count + (Bool.random(using: &rng) ? 0 : Int.random(in: -5...5, using: &rng))))
    }

    @Test("two streams inflated side by side give exactly what each gives alone, damaged or not")
    func interleavedStreams() throws {
        let seed = testSeed(default: 0x2B0D)
        var rng = SeededGenerator(seed: seed)
        /// What decoding `stream` into `capacity` bytes gave: its bytes, or the failure's description.
        func outcome(
            _ result: Result<Void, FixedHuffmanInflater.Failure>, _ inflater: FixedHuffmanInflater,
            _ output: UnsafeMutableRawPointer
        ) -> String {
            switch result {
            case .success: return "ok \(Array(UnsafeRawBufferPointer(start: output, count: inflater.produced)))"
            case .failure(let failure): return "\(failure)"
            }
        }
        for round in 0..<2000 {
            var streams: [(stream: [UInt8], capacity: Int)] = []
            for _ in 0..<2 {
                if Bool.random(using: &rng) {
                    streams.append(Self.damagedStream(shape: Int.random(in: 0..<5, using: &rng), rng: &rng))
                } else {
                    let input = Self.sample(
                        shape: Int.random(in: 0..<5, using: &rng), count: Int.random(in: 0...5000, using: &rng),
                        rng: &rng)
                    streams.append(
                        (Self.deflate(input, fixedCodes: Int.random(in: 0..<8, using: &rng) != 0), input.count))
                }
            }
            let inputs = streams.map { stream -> UnsafeMutableRawPointer in
                let memory = UnsafeMutableRawPointer.allocate(byteCount: max(stream.stream.count, 1), alignment: 8)
                memory.copyMemory(from: stream.stream, byteCount: stream.stream.count)
                return memory
            }
            let outputs = streams.map { UnsafeMutableRawPointer.allocate(byteCount: max($0.capacity, 1), alignment: 8) }
            defer { (inputs + outputs).forEach { $0.deallocate() } }
            func makeInflater(_ i: Int) -> FixedHuffmanInflater {
                FixedHuffmanInflater(
                    input: inputs[i], inputCount: streams[i].stream.count, output: outputs[i],
                    capacity: streams[i].capacity)
            }
            var alone: [String] = []
            for i in 0..<2 {
                var inflater = makeInflater(i)
                let result: Result<Void, FixedHuffmanInflater.Failure>
                do {
                    _ = try inflater.decode(until: Int.max)
                    result = .success(())
                } catch {
                    result = .failure(error)
                }
                alone.append(outcome(result, inflater, outputs[i]))
            }
            var first = makeInflater(0)
            var second = makeInflater(1)
            let results = FixedHuffmanInflater.decodeToEnd(&first, &second)
            let together = [outcome(results.0, first, outputs[0]), outcome(results.1, second, outputs[1])]
            let same = alone == together
            #expect(same, "seed \(seed), round \(round)")
        }
    }

    @Test("damaged streams never crash the inflater, and it accepts exactly what zlib accepts")
    func damagedStreams() throws {
        let seed = testSeed(default: 0xBAD5)
        var rng = SeededGenerator(seed: seed)
        for round in 0..<4000 {
            let (stream, capacity) = Self.damagedStream(shape: round % 5, rng: &rng)
            let expected = Self.zlibInflate(stream, capacity: capacity)
            var none: SeededGenerator? = nil
            do {
                let ours = try Self.inflate(stream, capacity: capacity, steps: &none)
                let agree = ours == expected
                #expect(
                    agree,
                    "seed \(seed), round \(round): ours \(ours.map { "\($0.count) bytes" } ?? "failed"), zlib \(expected.map { "\($0.count) bytes" } ?? "failed")"
                )
            } catch .dynamicCodes {
                continue
            } catch .corrupt {
                #expect(expected == nil, "seed \(seed), round \(round): zlib inflates what we call corrupt")
            }
        }
    }

    /// Values like db_bench's (fixed codes save half: segmented blocks) or from a 16-letter alphabet
    /// (only dynamic codes save enough: one-stream blocks).
    private static func entries(
        segmented: Bool, userKeyCount: Int = 6000, maxVersions: Int = 3, rng: inout SeededGenerator
    ) -> [Entry] {
        var entries = TableTestSupport.randomEntries(
            userKeyCount: userKeyCount, maxVersions: maxVersions, valueLength: 20...120, rng: &rng)
        for i in entries.indices where !entries[i].value.isEmpty {
            entries[i].value = sample(shape: segmented ? 1 : 3, count: entries[i].value.count, rng: &rng)
        }
        return entries
    }

    /// Writes `entries` as a zlib-compressed table in `directory`; returns its path and options.
    private static func buildCompressedTable(_ entries: [Entry], in directory: String) throws -> (
        path: String, options: LSMOptions
    ) {
        let path = directory + "/000001.ldb"
        var options = LSMOptions()
        options.compression = .zlib
        try TableTestSupport.buildTable(entries, options: options, path: path)
        return (path, options)
    }

    @Test(
        "point lookups that inflate part of a compressed block answer as whole blocks do",
        arguments: [true, false], [false, true])
    func partialLookups(segmented: Bool, cached: Bool) throws {
        let seed = testSeed(default: 0x5E6) &+ (segmented ? 1 : 0)
        var rng = SeededGenerator(seed: seed)
        let entries = Self.entries(segmented: segmented, rng: &rng)
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let (path, options) = try Self.buildCompressedTable(entries, in: directory)
        let cache = cached ? BlockCache(capacity: 256 << 10) : nil
        let table = try TableTestSupport.openTable(path, options: options, blockCache: cache)

        // The blocks are of the kind the values call for.
        let file = try PosixFile.openForReading(path).readAll()
        let handles = TableTestSupport.dataBlockHandles(table)
        let types = handles.map { file[Int($0.offset + $0.size)] }
        #expect(handles.count > 50 && types.allSatisfy { $0 == (segmented ? 2 : 1) }, "seed \(seed): \(Set(types))")

        func lookup(_ userKey: [UInt8], _ snapshot: UInt64) throws -> LookupResult? {
            try InternalKey.make(userKey, sequence: snapshot, type: .value).withUnsafeBytes {
                try table.get($0, verifyChecksums: true)
            }
        }
        func expected(_ userKey: [UInt8], _ snapshot: UInt64) -> LookupResult? {
            let low = TableTestSupport.lowerBound(entries, InternalKey.make(userKey, sequence: snapshot, type: .value))
            guard low < entries.count, entries[low].userKey == userKey else { return nil }
            return entries[low].type == .deletion ? .deleted : .found(entries[low].value)
        }
        for round in 0..<6000 {
            let entry = entries[Int.random(in: 0..<entries.count, using: &rng)]
            let userKey: [UInt8]
            let snapshot: UInt64
            switch round % 3 {
            case 0: (userKey, snapshot) = (entry.userKey, InternalKey.maxSequence)
            case 1: (userKey, snapshot) = (entry.userKey, entry.sequence - UInt64.random(in: 0...1, using: &rng))
            default:
                // Absent keys, many just past a present one (so past a block's last key, too).
                userKey =
                    Bool.random(using: &rng) ? entry.userKey + [0] : rng.bytes(Int.random(in: 1...24, using: &rng))
                snapshot = InternalKey.maxSequence
            }
            #expect(try lookup(userKey, snapshot) == expected(userKey, snapshot), "seed \(seed), round \(round)")
        }
        if let cache { #expect(cache.usage > 0 && cache.usage <= cache.capacity, "seed \(seed)") }
    }

    @Test("a segmented block whose size or directory does not add up is corruption, not a crash")
    func damagedDirectory() throws {
        var rng = SeededGenerator(seed: testSeed(default: 0xD12))
        let parts = (0..<3).map { _ in Self.sample(shape: 1, count: 700, rng: &rng) }
        let streams = parts.map { Self.deflate($0, fixedCodes: true) }
        func block(size: Int, count: Int, lengths: [(Int, Int)], streams: [[UInt8]]) -> [UInt8] {
            let buffer = ByteBuffer(capacity: 64)
            buffer.appendVarint64(UInt64(size))
            buffer.appendVarint64(UInt64(count))
            for (u, c) in lengths {
                buffer.appendVarint64(UInt64(u))
                buffer.appendVarint64(UInt64(c))
            }
            return Array(buffer.bytes) + streams.flatMap { $0 }
        }
        func decode(_ contents: [UInt8]) throws -> [UInt8] {
            let stored = contents + [2, 0, 0, 0, 0]
            return try stored.withUnsafeBytes { raw in
                let block = try Table.decodeStoredBlock(
                    raw.baseAddress!, size: contents.count, path: "t", offset: 0, verifyChecksum: false, reuse: nil)
                defer { block.memory.deallocate() }
                return Array(UnsafeRawBufferPointer(start: block.memory, count: block.count))
            }
        }
        let lengths = zip(parts, streams).map { ($0.count, $1.count) }
        let good = block(size: 2100, count: 3, lengths: lengths, streams: streams)
        #expect(try decode(good) == parts.flatMap { $0 })

        let damaged: [[UInt8]] = [
            block(size: 2101, count: 3, lengths: lengths, streams: streams),  // sizes do not add up
            block(size: 2100, count: 0, lengths: [], streams: streams),  // no segment
            block(size: 2100, count: 4, lengths: lengths + [(0, 0)], streams: streams),  // empty extra
            block(
                size: 2100, count: 3, lengths: [lengths[0], (701, lengths[1].1), (699, lengths[2].1)], streams: streams),
            block(size: 2100, count: 3, lengths: lengths, streams: Array(streams.dropLast())),  // missing input
            block(size: 2100, count: 200, lengths: lengths, streams: []),  // count past the bytes
            Array(good.prefix(4)),  // directory cut short
        ]
        for (index, contents) in damaged.enumerated() {
            #expect(throws: LSMError.self, "case \(index)") { try decode(contents) }
        }
    }

    @Test("the block cache admits a block on its second miss, not its first")
    func cacheAdmission() throws {
        let cache = BlockCache(capacity: 1 << 20)
        func seenRecently(_ offset: UInt64) -> Bool? {
            if case .miss(let seen) = cache.probe(fileNumber: 7, offset: offset) { return seen }
            return nil
        }
        #expect(seenRecently(4096) == false)
        #expect(seenRecently(4096) == true)
        // Admitted (the caller caches it now), so forgotten.
        #expect(seenRecently(4096) == false)
        #expect(seenRecently(8192) == false)
        let empty: [UInt8] = [0, 0, 0, 0, 1, 0, 0, 0]
        cache.insert(fileNumber: 7, offset: 8192, block: try empty.withUnsafeBytes { try Block.make(copying: $0) })
        if case .hit = cache.probe(fileNumber: 7, offset: 8192) {} else { Issue.record("inserted block not found") }
    }
}

extension CompressionTests {
    @Test("lookups in damaged compressed blocks read without checksums answer or throw, never crash")
    func damagedBlocksWithoutChecksums() throws {
        let seed = testSeed(default: 0xDA3A)
        var rng = SeededGenerator(seed: seed)
        let entries = Self.entries(segmented: true, userKeyCount: 600, maxVersions: 1, rng: &rng)
        let directory = TableTestSupport.makeTempDirectory()
        defer { TableTestSupport.removeDirectory(directory) }
        let (path, options) = try Self.buildCompressedTable(entries, in: directory)
        let pristine = try PosixFile.openForReading(path).readAll()
        let handles = TableTestSupport.dataBlockHandles(try TableTestSupport.openTable(path, options: options))
        var answered = 0
        var failed = 0
        for round in 0..<200 {
            var bytes = pristine
            let handle = handles[Int.random(in: 0..<handles.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int(handle.offset) + Int.random(in: 0..<Int(handle.size), using: &rng)
                bytes[at] ^= UInt8.random(in: 1...255, using: &rng)
            }
            let file = try PosixFile.create(path)
            try file.write(bytes)
            try file.close()
            let table = try TableTestSupport.openTable(path, options: options, blockCache: nil)
            for _ in 0..<40 {
                let userKey = entries[Int.random(in: 0..<entries.count, using: &rng)].userKey
                do {
                    _ = try InternalKey.make(userKey, sequence: InternalKey.maxSequence, type: .value).withUnsafeBytes {
                        try table.get($0, verifyChecksums: false)
                    }
                    answered += 1
                } catch is LSMError {
                    failed += 1
                } catch {
                    Issue.record("seed \(seed), round \(round): not an LSMError: \(error)")
                }
            }
        }
        #expect(answered > 0 && failed > 0, "seed \(seed): \(answered) answered, \(failed) failed")
    }
}

extension CompressionTests {
    @Test("a partial search over segments whose streams end early gives up instead of looping")
    func segmentsEndingEarly() throws {
        var rng = SeededGenerator(seed: testSeed(default: 0x5E67))
        let whole = Self.sample(shape: 1, count: 2100, rng: &rng)
        let parts = [Array(whole[0..<700]), Array(whole[700..<1400]), Array(whole[1400..<2100])]
        for short in 0..<3 {
            // Segment `short` claims 700 bytes but its stream ends after 5 (or 0).
            for kept in [0, 5] {
                var streams = parts.map { Self.deflate($0, fixedCodes: true) }
                streams[short] = Self.deflate(Array(parts[short].prefix(kept)), fixedCodes: true)
                let buffer = ByteBuffer(capacity: 64)
                buffer.appendVarint64(2100)
                buffer.appendVarint64(3)
                for stream in streams {
                    buffer.appendVarint64(700)
                    buffer.appendVarint64(UInt64(stream.count))
                }
                let contents = Array(buffer.bytes) + streams.flatMap { $0 }
                for key in [whole.prefix(12), whole[1000..<1012], whole[2088..<2100]].map(Array.init) {
                    let outcome = try contents.withUnsafeBytes { raw in
                        try key.withUnsafeBytes { lookupKey in
                            try CompressedBlock.withSegments(
                                raw.baseAddress!, size: raw.count, type: 2, path: "t", offset: 0
                            ) { size, segments in
                                InflatingBlockSearch.search(segments, uncompressedSize: size, lookupKey: lookupKey)
                            }
                        }
                    }
                    if case .answered(let answer) = outcome {
                        Issue.record(
                            "segment \(short) cut to \(kept) bytes still answered \(String(describing: answer))")
                    }
                }
            }
        }
    }
}
