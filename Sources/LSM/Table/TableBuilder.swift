/// Writes a sorted run of internal keys and their values as a table file (format:
/// `doc/table_format.md`).
///
/// Entries fill data blocks of about ``LSMOptions/blockSize`` bytes, each compressed with zlib when
/// that saves at least 1/8. For every data block the index gets a short separator key and the
/// block's handle; the bloom filter collects one hash per distinct user key. ``finish()`` writes the
/// filter, the index and the footer. Output is buffered and written in 64 KiB pieces; nothing is
/// synced (the caller syncs before recording the table in the manifest).
final class TableBuilder {
    private let options: LSMOptions
    private let file: PosixFile
    private let fileName: String
    private let dataBlock: BlockBuilder
    private let indexBlock = BlockBuilder(restartInterval: 1)
    private let lastKey = ByteBuffer(capacity: 64)
    /// The bloom hashes of the distinct user keys added so far.
    @exclusivity(unchecked) private var filterHashes: [UInt64] = []
    /// The last data block written, whose index entry waits for the next key (to pick a separator).
    @exclusivity(unchecked) private var pendingHandle: BlockHandle?
    /// Bytes not yet written to the file.
    private let output = ByteBuffer(capacity: TableBuilder.writeChunk + (16 << 10))
    private let compressed = ByteBuffer(capacity: 8 << 10)
    /// The deflate streams of a segmented block's segments, before its directory is known.
    private let segmentStreams = ByteBuffer(capacity: 8 << 10)
    /// Each segment's uncompressed and compressed length, for the directory.
    @exclusivity(unchecked) private var segmentLengths: [(uncompressed: Int, compressed: Int)] = []
    /// Scratch for index keys, encoded handles and the filter.
    private let scratch = ByteBuffer(capacity: 256)
    private let handleBytes = ByteBuffer(capacity: BlockHandle.maxEncodedLength)
    private let deflater: Zlib.Deflater?
    /// The default-strategy stream, made the first time a block does not shrink enough with fixed codes.
    private var dynamicDeflater: Zlib.Deflater?
    /// The file's size once `output` is written.
    @exclusivity(unchecked) private var offset: UInt64 = 0
    @exclusivity(unchecked) private var closed = false
    /// Entries added.
    @exclusivity(unchecked) private(set) var entryCount = 0

    /// The shortest tail of a data block that is deflated as a segment of its own.
    static let minimumSegmentBytes = 1 << 10

    /// Buffered output is written once it reaches this size.
    private static let writeChunk = 64 << 10

    /// A builder writing to `file` (new and empty), named `fileName` in errors.
    init(options: LSMOptions, file: PosixFile, fileName: String) {
        self.options = options
        self.file = file
        self.fileName = fileName
        dataBlock = BlockBuilder(restartInterval: max(options.blockRestartInterval, 1))
        // memLevel 6: a 2^13-slot match-finder hash, cleared for every segment (16 KiB instead of
        // the default's 64 KiB); lower levels collide so much that deflate runs twice as long.
        deflater = options.compression == .zlib ? Zlib.Deflater(fixedCodes: true, memoryLevel: 6) : nil
    }

    /// The file's size if the table were finished now, approximately: bytes emitted so far plus
    /// the pending data block.
    var estimatedFileSize: UInt64 { offset + UInt64(dataBlock.estimatedSize) }

    /// Adds an entry. Keys are internal keys in strictly increasing ``InternalKey`` order.
    func add(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws {
        precondition(!closed, "add after finish or abandon")
        precondition(key.count >= InternalKey.trailerSize, "not an internal key")
        assert(entryCount == 0 || InternalKey.compare(key, lastKey.bytes) > 0, "keys out of order")

        if let handle = pendingHandle {
            writeSeparator(after: lastKey.bytes, before: key)
            addIndexEntry(handle)
            pendingHandle = nil
        }
        if options.bloomBitsPerKey > 0 {
            let userKey = InternalKey.userKey(key)
            if entryCount == 0 || compareBytes(userKey, InternalKey.userKey(lastKey.bytes)) != 0 {
                filterHashes.append(BloomFilter.hash(userKey))
            }
        }
        lastKey.removeAll()
        lastKey.append(key)
        dataBlock.add(key, value)
        entryCount += 1
        if dataBlock.estimatedSize >= options.blockSize {
            try flushDataBlock()
        }
    }

    /// Writes the last data block, the filter, the index and the footer; returns the file size.
    /// Does not sync.
    func finish() throws -> UInt64 {
        precondition(!closed, "finish after finish or abandon")
        try flushDataBlock()
        closed = true

        var filterHandle = BlockHandle(offset: 0, size: 0)
        if options.bloomBitsPerKey > 0 {
            scratch.removeAll()
            BloomFilter.build(hashes: filterHashes, bitsPerKey: options.bloomBitsPerKey, into: scratch)
            filterHandle = try writeBlock(scratch.bytes, segmentStarts: nil)
        }
        if let handle = pendingHandle {
            writeSuccessor(of: lastKey.bytes)
            addIndexEntry(handle)
            pendingHandle = nil
        }
        let indexHandle = try writeBlock(indexBlock.finish(), segmentStarts: nil)
        Footer(filterHandle: filterHandle, indexHandle: indexHandle).encode(into: output)
        offset += UInt64(Footer.encodedLength)
        try writeOutput()
        return offset
    }

    /// Gives up on the table; the caller deletes the file.
    func abandon() {
        closed = true
        output.removeAll()
    }

    // MARK: - Blocks

    private func flushDataBlock() throws {
        guard !dataBlock.isEmpty else { return }
        pendingHandle = try writeBlock(dataBlock.finish(), segmentStarts: dataBlock.restartOffsets)
        dataBlock.reset()
    }

    /// Appends `contents` and its trailer to the output and returns its handle. A data block (one
    /// with `segmentStarts`, its restart offsets) is compressed when allowed and worth it.
    private func writeBlock(_ contents: UnsafeRawBufferPointer, segmentStarts: [UInt32]?) throws -> BlockHandle {
        var stored = contents
        var type: UInt8 = 0
        if let segmentStarts, let deflater {
            // Segments with fixed codes first (cheap to inflate, and a point read inflates one
            // segment); one stream with dynamic codes when that does not save an eighth, as for
            // binary data whose bytes are skewed but not repeated.
            if deflateInSegments(contents, starts: segmentStarts, with: deflater) {
                stored = compressed.bytes
                type = 2
            } else {
                let dynamic = dynamicDeflater ?? Zlib.Deflater(fixedCodes: false)
                dynamicDeflater = dynamic
                if deflate(contents, with: dynamic) {
                    stored = compressed.bytes
                    type = 1
                }
            }
        }
        let handle = BlockHandle(offset: offset, size: UInt64(stored.count))
        output.append(stored)
        output.append(byte: type)
        let crc = withUnsafeBytes(of: type) { CRC32C.extend(CRC32C.checksum(stored), $0) }
        output.appendFixed32(CRC32C.mask(crc))
        offset += UInt64(stored.count) + 5
        if output.count >= TableBuilder.writeChunk { try writeOutput() }
        return handle
    }

    /// Fills `compressed` with the block's compressed form as one stream (type 1: `varint64
    /// rawLength | raw deflate`) and returns whether it saves at least an eighth of `contents`.
    private func deflate(_ contents: UnsafeRawBufferPointer, with deflater: Zlib.Deflater) -> Bool {
        compressed.removeAll()
        compressed.appendVarint64(UInt64(contents.count))
        return Zlib.compress(contents, with: deflater, appendingTo: compressed)
            && compressed.count < contents.count - contents.count / 8
    }

    /// Fills `compressed` with the block deflated in segments (type 2), each starting at a restart
    /// point and an independent raw deflate stream, behind a directory of their lengths; returns whether
    /// it saves at least an eighth of `contents`. `starts` are the block's restart offsets; the last
    /// segment also holds the restart array.
    private func deflateInSegments(
        _ contents: UnsafeRawBufferPointer, starts: [UInt32], with deflater: Zlib.Deflater
    ) -> Bool {
        segmentStreams.removeAll()
        segmentLengths.removeAll(keepingCapacity: true)
        func appendSegment(_ start: Int, _ end: Int) -> Bool {
            let before = segmentStreams.count
            guard start < end,
                Zlib.compress(
                    UnsafeRawBufferPointer(rebasing: contents[start..<end]), with: deflater,
                    appendingTo: segmentStreams)
            else { return false }
            segmentLengths.append((end - start, segmentStreams.count - before))
            return true
        }
        // A segment ends where a restart interval starts, unless less than `minimumSegmentBytes`
        // would follow: the rest then joins it (each segment costs zlib a Huffman tree build, some
        // 5 µs, even with fixed codes).
        var start = 0
        for restart in starts.dropFirst() where contents.count - Int(restart) >= TableBuilder.minimumSegmentBytes {
            guard appendSegment(start, Int(restart)) else { return false }
            start = Int(restart)
        }
        guard appendSegment(start, contents.count) else { return false }
        compressed.removeAll()
        compressed.appendVarint64(UInt64(contents.count))
        compressed.appendVarint64(UInt64(segmentLengths.count))
        for lengths in segmentLengths {
            compressed.appendVarint64(UInt64(lengths.uncompressed))
            compressed.appendVarint64(UInt64(lengths.compressed))
        }
        compressed.append(segmentStreams.bytes)
        return compressed.count < contents.count - contents.count / 8
    }

    private func writeOutput() throws {
        try file.write(output.bytes)
        output.removeAll()
    }

    // MARK: - Index keys

    /// Adds the index entry `scratch → handle`.
    private func addIndexEntry(_ handle: BlockHandle) {
        handleBytes.removeAll()
        handle.encode(into: handleBytes)
        indexBlock.add(scratch.bytes, handleBytes.bytes)
    }

    /// Puts in `scratch` a short internal key `k` with `start <= k < limit` (LevelDB's
    /// FindShortestSeparator on the user keys): the user key of `start` cut after the first byte
    /// where it differs from `limit`'s, that byte incremented, when this is shorter and still below
    /// `limit`'s user key; else `start` itself.
    private func writeSeparator(after start: UnsafeRawBufferPointer, before limit: UnsafeRawBufferPointer) {
        let startUser = InternalKey.userKey(start)
        let limitUser = InternalKey.userKey(limit)
        let common = commonPrefixLength(startUser, limitUser)
        scratch.removeAll()
        if common + 1 < startUser.count && common < limitUser.count {
            let byte = startUser[common]
            if byte < 0xff && byte + 1 < limitUser[common] {
                scratch.append(UnsafeRawBufferPointer(rebasing: startUser[0..<common]))
                scratch.append(byte: byte + 1)
                scratch.appendFixed64(InternalKey.packTrailer(sequence: InternalKey.maxSequence, type: .value))
                return
            }
        }
        scratch.append(start)
    }

    /// Puts in `scratch` a short internal key at or after `key` (LevelDB's FindShortSuccessor): the
    /// user key cut after its first byte that is not 0xff, that byte incremented; else `key` itself.
    private func writeSuccessor(of key: UnsafeRawBufferPointer) {
        let user = InternalKey.userKey(key)
        scratch.removeAll()
        for i in 0..<user.count where user[i] != 0xff {
            if i + 1 < user.count {
                scratch.append(UnsafeRawBufferPointer(rebasing: user[0..<i]))
                scratch.append(byte: user[i] + 1)
                scratch.appendFixed64(InternalKey.packTrailer(sequence: InternalKey.maxSequence, type: .value))
                return
            }
            break
        }
        scratch.append(key)
    }
}
