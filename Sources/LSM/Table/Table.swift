/// An open table file: its index block and bloom filter in memory, data blocks read on demand
/// through the block cache. Format: `doc/table_format.md`.
///
/// `@unchecked Sendable`: everything is immutable after ``open(file:fileNumber:size:options:blockCache:)``.
/// The index block and the filter bytes are only read; the file is only read with `pread`, which
/// is safe from many threads at once; the block cache is itself thread-safe. The raw filter memory
/// (the reason the conformance is unchecked) is freed only in `deinit`.
final class Table: @unchecked Sendable {
    /// The table's file number, its key in the block cache.
    let fileNumber: UInt64
    /// The file's path, for errors.
    let path: String
    /// The index block: one entry per data block, `separator key → block handle`.
    let indexBlock: Block
    private let file: PosixFile
    /// Where the footer starts; every block and its trailer must end by here.
    private let dataEnd: UInt64
    /// The bloom filter's bytes, or `nil` for a table without a filter.
    private let filterData: UnsafeMutableRawPointer?
    private let filterSize: Int
    private let filterHandle: BlockHandle
    private let indexHandle: BlockHandle
    private let blockCache: BlockCache?
    /// The file mapped read-only when ``LSMOptions/mapTableFiles`` allows it: uncompressed data blocks
    /// are then used in place and not cached.
    private let mapping: TableMapping?

    /// Stack scratch for each cursor of a point lookup; longer keys spill to the heap.
    private static let lookupScratchSize = 256

    private init(
        file: PosixFile, fileNumber: UInt64, dataEnd: UInt64, indexBlock: Block, indexHandle: BlockHandle,
        filter: (memory: UnsafeMutableRawPointer, count: Int)?, filterHandle: BlockHandle, blockCache: BlockCache?,
        mapping: TableMapping?
    ) {
        self.mapping = mapping
        self.file = file
        self.fileNumber = fileNumber
        self.path = file.path
        self.dataEnd = dataEnd
        self.indexBlock = indexBlock
        self.indexHandle = indexHandle
        self.filterData = filter?.memory
        self.filterSize = filter?.count ?? 0
        self.filterHandle = filterHandle
        self.blockCache = blockCache
    }

    deinit { filterData?.deallocate() }

    /// Opens the table in `file`, whose size is `size` (as the manifest records it): reads the
    /// footer, then the index block and the filter, checking their checksums. Bad bytes throw
    /// ``LSMError/corruption(file:offset:reason:)``.
    static func open(
        file: PosixFile, fileNumber: UInt64, size: UInt64, options: LSMOptions, blockCache: BlockCache?
    ) throws -> Table {
        let footerLength = UInt64(Footer.encodedLength)
        guard size >= footerLength, size <= UInt64(Int64.max) else {
            throw LSMError.corruption(
                file: file.path, offset: 0,
                reason: "recorded size \(size) cannot hold a table with its \(footerLength)-byte footer")
        }
        let footerOffset = size - footerLength
        let footer = try withUnsafeTemporaryAllocation(byteCount: Footer.encodedLength, alignment: 8) { buffer in
            let got = try file.read(into: buffer.baseAddress!, count: Footer.encodedLength, at: Int64(footerOffset))
            guard got == Footer.encodedLength else {
                throw LSMError.corruption(
                    file: file.path, offset: Int64(footerOffset),
                    reason: "file is shorter than its recorded size of \(size) bytes")
            }
            return try Footer.decode(UnsafeRawBufferPointer(buffer), file: file.path, offset: Int64(footerOffset))
        }
        let index = try readContents(
            file: file, handle: footer.indexHandle, dataEnd: footerOffset, verifyChecksum: true)
        let indexBlock = try Block.make(
            owning: index.memory, size: index.count, file: file.path, offset: Int64(footer.indexHandle.offset))
        var filter: (memory: UnsafeMutableRawPointer, count: Int)?
        if footer.filterHandle.size > 0 {
            filter = try readContents(
                file: file, handle: footer.filterHandle, dataEnd: footerOffset, verifyChecksum: true)
        }
        var mapping: TableMapping?
        if options.mapTableFiles,
            try firstDataBlockIsUncompressed(file: file, indexBlock: indexBlock, dataEnd: footerOffset)
        {
            mapping = TableMapping(file: file, count: Int(size))
        }
        return Table(
            file: file, fileNumber: fileNumber, dataEnd: footerOffset, indexBlock: indexBlock,
            indexHandle: footer.indexHandle, filter: filter, filterHandle: footer.filterHandle, blockCache: blockCache,
            mapping: mapping)
    }

    /// Whether the table's first data block is stored uncompressed, which says how the whole table
    /// was written (levels 0 and 1 raw, deeper levels compressed). Only such tables are mapped: their
    /// blocks are used in place, while a compressed table gains little from a map (its blocks are
    /// inflated into memory anyway) and its mapped pages would swell the resident size.
    private static func firstDataBlockIsUncompressed(
        file: PosixFile, indexBlock: Block, dataEnd: UInt64
    ) throws -> Bool {
        var index = BlockCursor(block: indexBlock)
        defer { index.releaseScratch() }
        index.seekToFirst()
        guard index.isValid, let handle = BlockHandle.decode(index.value) else { return false }
        let stored = try checkedStoredBlock(handle, dataEnd: dataEnd, path: file.path)
        var type: UInt8 = 1
        let got = try withUnsafeMutableBytes(of: &type) { byte -> Int in
            guard let base = byte.baseAddress else { return 0 }
            return try file.read(into: base, count: 1, at: Int64(stored.offset + stored.size))
        }
        return got == 1 && type == 0
    }

    // MARK: - Reads

    /// Point lookup for `lookupKey` = `userKey | fixed64(snapshot << 8 | 1)`: the newest entry for
    /// the user key with sequence at or below the snapshot, or `nil` if the table has none.
    ///
    /// The bloom filter is checked first; then the index and the data block are searched with
    /// cursors whose key scratch is on the stack, so a lookup allocates only the returned value (and
    /// the block, on a cache miss).
    func get(_ lookupKey: UnsafeRawBufferPointer, verifyChecksums: Bool) throws -> LookupResult? {
        precondition(lookupKey.count >= InternalKey.trailerSize, "not an internal key")
        let userKey = InternalKey.userKey(lookupKey)
        if let filterData,
            !BloomFilter.mayContain(
                hash: BloomFilter.hash(userKey), filter: UnsafeRawBufferPointer(start: filterData, count: filterSize))
        {
            return nil
        }
        let scratchSize = Table.lookupScratchSize
        return try withUnsafeTemporaryAllocation(byteCount: 2 * scratchSize, alignment: 8) { scratch in
            var index = BlockCursor(
                block: indexBlock, scratch: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<scratchSize]))
            defer { index.releaseScratch() }
            index.seek(lookupKey)
            guard index.isValid else {
                if let failure = index.failure { throw indexBlock.corruption(failure) }
                return nil
            }
            guard let handle = BlockHandle.decode(index.value) else {
                throw indexBlock.corruption("malformed block handle in index")
            }
            let block: Block
            switch try blockForLookup(handle, lookupKey: lookupKey, verifyChecksums: verifyChecksums) {
            case .block(let found): block = found
            case .answered(let answer): return answer
            }
            return try withExtendedLifetime(block) { () throws -> LookupResult? in
                var cursor = BlockCursor(
                    block: block,
                    scratch: UnsafeMutableRawBufferPointer(rebasing: scratch[scratchSize..<(2 * scratchSize)]))
                defer { cursor.releaseScratch() }
                cursor.seek(lookupKey)
                guard cursor.isValid else {
                    if let failure = cursor.failure { throw block.corruption(failure) }
                    return nil
                }
                let key = cursor.key
                guard compareBytes(InternalKey.userKey(key), userKey) == 0 else { return nil }
                switch InternalKey.type(key) {
                case .value: return .found(Array(cursor.value))
                case .deletion: return .deleted
                case nil: throw block.corruption("entry with an unknown value type")
                }
            }
        }
    }

    /// What ``blockForLookup(_:lookupKey:verifyChecksums:)`` gives a point lookup.
    private enum LookupBlock {
        /// The whole data block, to seek in.
        case block(Block)
        /// The block's answer, found by inflating only part of it.
        case answered(LookupResult?)
    }

    /// The data block at `handle` for a point lookup of `lookupKey`, or the answer itself.
    ///
    /// Mapped uncompressed blocks and cached blocks are used whole. A compressed block that misses
    /// the cache is searched while it inflates (``InflatingBlockSearch``) and not cached, unless the
    /// cache saw it miss recently: then it is inflated whole and cached, so that blocks read again
    /// and again end up in the cache while one-off reads inflate half a block and evict nothing.
    private func blockForLookup(
        _ handle: BlockHandle, lookupKey: UnsafeRawBufferPointer, verifyChecksums: Bool
    ) throws -> LookupBlock {
        let stored = try Table.checkedStoredBlock(handle, dataEnd: dataEnd, path: path)
        let mappedStored = try mappedStoredBlock(stored, verifyChecksums: verifyChecksums)
        if case .inPlace(let block) = mappedStored { return .block(block) }
        var admit = false
        if let blockCache {
            switch blockCache.probe(fileNumber: fileNumber, offset: handle.offset) {
            case .hit(let cached): return .block(cached)
            case .miss(let seenRecently): admit = seenRecently
            }
        }
        return try withStoredBlock(at: stored, mapped: mappedStored.compressed) { raw in
            if verifyChecksums {
                try Table.verifyChecksum(raw, size: stored.size, path: path, offset: stored.offset)
            }
            let type = raw.load(fromByteOffset: stored.size, as: UInt8.self)
            if !admit, type == 1 || type == 2 {
                let outcome = try CompressedBlock.withSegments(
                    raw, size: stored.size, type: type, path: path, offset: stored.offset
                ) { uncompressedSize, segments in
                    InflatingBlockSearch.search(segments, uncompressedSize: uncompressedSize, lookupKey: lookupKey)
                }
                if case .answered(let answer) = outcome { return .answered(answer) }
            }
            let contents = try Table.decodeStoredBlock(
                raw, size: stored.size, path: path, offset: stored.offset, verifyChecksum: false, reuse: nil)
            let block = try Block.make(
                owning: contents.memory, size: contents.count, file: path, offset: Int64(handle.offset))
            blockCache?.insert(fileNumber: fileNumber, offset: handle.offset, block: block)
            return .block(block)
        }
    }

    /// Calls `body` with the stored block at `stored` followed by its 5-byte trailer: in the mapping
    /// at `mapped` when given, else read from the file into temporary memory.
    private func withStoredBlock<Result>(
        at stored: (offset: Int, size: Int), mapped: UnsafeRawPointer?,
        _ body: (UnsafeRawPointer) throws -> Result
    ) throws -> Result {
        if let mapped { return try body(mapped) }
        return try withUnsafeTemporaryAllocation(byteCount: stored.size + 5, alignment: 8) { buffer in
            guard let base = buffer.baseAddress else {
                throw LSMError.corruption(file: path, offset: Int64(stored.offset), reason: "empty block buffer")
            }
            try Table.readStored(file: file, stored, into: base)
            return try body(UnsafeRawPointer(base))
        }
    }

    /// A two-level iterator over the table (index block → data blocks). `fillCache` false keeps
    /// blocks read (by compaction) out of the block cache, though cached ones are still used.
    func makeIterator(verifyChecksums: Bool, fillCache: Bool) -> TableIterator {
        TableIterator(table: self, verifyChecksums: verifyChecksums, fillCache: fillCache)
    }

    /// The data block at `handle`, from the block cache or the file (then cached if `fillCache`).
    func dataBlock(_ handle: BlockHandle, verifyChecksums: Bool, fillCache: Bool) throws -> Block {
        let stored = try Table.checkedStoredBlock(handle, dataEnd: dataEnd, path: path)
        let mappedStored = try mappedStoredBlock(stored, verifyChecksums: verifyChecksums)
        if case .inPlace(let block) = mappedStored { return block }
        if let blockCache, let cached = blockCache.lookup(fileNumber: fileNumber, offset: handle.offset) {
            return cached
        }
        let contents: (memory: UnsafeMutableRawPointer, count: Int)
        if let mappedStored = mappedStored.compressed {
            contents = try Table.decodeStoredBlock(
                mappedStored, size: Int(handle.size), path: path, offset: Int(handle.offset),
                verifyChecksum: verifyChecksums, reuse: nil)
        } else {
            contents = try Table.readContents(
                file: file, handle: handle, dataEnd: dataEnd, verifyChecksum: verifyChecksums)
        }
        let block = try Block.make(
            owning: contents.memory, size: contents.count, file: path, offset: Int64(handle.offset))
        if fillCache, let blockCache {
            blockCache.insert(fileNumber: fileNumber, offset: handle.offset, block: block)
        }
        return block
    }

    /// Where a stored block lies when the table is mapped.
    private enum MappedStoredBlock {
        /// The table is not mapped: read the block from the file.
        case notMapped
        /// An uncompressed block, used in place.
        case inPlace(Block)
        /// A compressed block at this address of the mapping.
        case compressed(UnsafeRawPointer)

        /// The mapped address of a compressed block, or `nil`.
        var compressed: UnsafeRawPointer? {
            if case .compressed(let pointer) = self { return pointer }
            return nil
        }
    }

    /// The stored block at `stored` in the table's mapping, if any: an uncompressed one as a block
    /// over the mapped bytes (its checksum checked when asked; caching a copy would only save that
    /// check), a compressed one as its address.
    private func mappedStoredBlock(
        _ stored: (offset: Int, size: Int), verifyChecksums: Bool
    ) throws -> MappedStoredBlock {
        guard let mapping else { return .notMapped }
        let pointer = mapping.base + stored.offset
        guard pointer.load(fromByteOffset: stored.size, as: UInt8.self) == 0 else { return .compressed(pointer) }
        if verifyChecksums {
            try Table.verifyChecksum(pointer, size: stored.size, path: path, offset: stored.offset)
        }
        return .inPlace(
            try Block.make(
                mapped: pointer, size: stored.size, mapping: mapping, file: path, offset: Int64(stored.offset)))
    }

    /// Reads every block from the file (bypassing the cache) and checks every checksum, every entry's
    /// encoding and the order of the keys; throws the first corruption found, with its offset.
    func verify() throws {
        if filterHandle.size > 0 {
            let filter = try Table.readContents(
                file: file, handle: filterHandle, dataEnd: dataEnd, verifyChecksum: true)
            filter.memory.deallocate()
        }
        let indexContents = try Table.readContents(
            file: file, handle: indexHandle, dataEnd: dataEnd, verifyChecksum: true)
        let index = try Block.make(
            owning: indexContents.memory, size: indexContents.count, file: path, offset: Int64(indexHandle.offset))
        var indexCursor = BlockCursor(block: index)
        defer { indexCursor.releaseScratch() }
        let previous = ByteBuffer(capacity: 64)
        var first = true
        indexCursor.seekToFirst()
        while indexCursor.isValid {
            guard let handle = BlockHandle.decode(indexCursor.value) else {
                throw index.corruption("malformed block handle in index")
            }
            let contents = try Table.readContents(file: file, handle: handle, dataEnd: dataEnd, verifyChecksum: true)
            let block = try Block.make(
                owning: contents.memory, size: contents.count, file: path, offset: Int64(handle.offset))
            var cursor = BlockCursor(block: block)
            defer { cursor.releaseScratch() }
            cursor.seekToFirst()
            while cursor.isValid {
                let key = cursor.key
                guard InternalKey.type(key) != nil else { throw block.corruption("entry with an unknown value type") }
                guard first || InternalKey.compare(previous.bytes, key) < 0 else {
                    throw block.corruption("keys out of order")
                }
                first = false
                previous.removeAll()
                previous.append(key)
                cursor.next()
            }
            if let failure = cursor.failure { throw block.corruption(failure) }
            indexCursor.next()
        }
        if let failure = indexCursor.failure { throw index.corruption(failure) }
    }

    // MARK: - Block reading

    /// Reads the block at `handle` and its trailer, checks the checksum (if asked) and inflates it
    /// if compressed. Returns memory the caller owns (allocated with `allocate`) holding `count`
    /// bytes of contents. Every problem is corruption of the block at `handle.offset`.
    static func readContents(
        file: PosixFile, handle: BlockHandle, dataEnd: UInt64, verifyChecksum: Bool
    ) throws -> (memory: UnsafeMutableRawPointer, count: Int) {
        let stored = try checkedStoredBlock(handle, dataEnd: dataEnd, path: file.path)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: stored.size + 5, alignment: 8)
        var keepRaw = false
        defer { if !keepRaw { raw.deallocate() } }

        try readStored(file: file, stored, into: raw)
        let contents = try decodeStoredBlock(
            raw, size: stored.size, path: file.path, offset: stored.offset, verifyChecksum: verifyChecksum, reuse: raw)
        keepRaw = contents.memory == raw
        return contents
    }

    /// Reads the stored block at `stored` and its 5-byte trailer from `file` into `buffer`; a file
    /// that ends first is corruption.
    private static func readStored(
        file: PosixFile, _ stored: (offset: Int, size: Int), into buffer: UnsafeMutableRawPointer
    ) throws {
        let got = try file.read(into: buffer, count: stored.size + 5, at: Int64(stored.offset))
        guard got == stored.size + 5 else {
            throw LSMError.corruption(
                file: file.path, offset: Int64(stored.offset), reason: "file ends inside the block")
        }
    }

    /// The offset and size of the block at `handle`, after checking that it and its 5-byte trailer
    /// end by `dataEnd`.
    static func checkedStoredBlock(
        _ handle: BlockHandle, dataEnd: UInt64, path: String
    ) throws -> (offset: Int, size: Int) {
        guard handle.offset <= dataEnd, handle.size <= dataEnd - handle.offset,
            dataEnd - handle.offset - handle.size >= 5
        else {
            throw LSMError.corruption(
                file: path, offset: Int64(clamping: handle.offset),
                reason:
                    "block handle (offset \(handle.offset), size \(handle.size)) runs past the blocks' end \(dataEnd)")
        }
        return (Int(handle.offset), Int(handle.size))
    }

    /// Checks the masked CRC-32C in the trailer after the `size` stored bytes at `stored` (which
    /// cover the stored block and its type byte).
    static func verifyChecksum(_ stored: UnsafeRawPointer, size: Int, path: String, offset: Int) throws {
        let expected = CRC32C.unmask(Coding.loadFixed32(stored + size + 1))
        let actual = CRC32C.checksum(UnsafeRawBufferPointer(start: stored, count: size + 1))
        guard expected == actual else {
            throw LSMError.corruption(file: path, offset: Int64(offset), reason: "block checksum mismatch")
        }
    }

    /// Turns the stored block at `stored` (`size` bytes, then its type byte and checksum) into its
    /// contents: checks the checksum if asked, then returns `reuse` itself for an uncompressed block
    /// when given (else a copy), or newly allocated memory holding the inflated block. The caller
    /// owns the memory returned.
    static func decodeStoredBlock(
        _ stored: UnsafeRawPointer, size: Int, path: String, offset: Int, verifyChecksum: Bool,
        reuse: UnsafeMutableRawPointer?
    ) throws -> (memory: UnsafeMutableRawPointer, count: Int) {
        if verifyChecksum { try Table.verifyChecksum(stored, size: size, path: path, offset: offset) }
        let type = stored.load(fromByteOffset: size, as: UInt8.self)
        switch type {
        case 0:
            if let reuse { return (reuse, size) }
            let copy = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 8)
            copy.copyMemory(from: stored, byteCount: size)
            return (copy, size)
        case 1, 2:
            return try CompressedBlock.withSegments(stored, size: size, type: type, path: path, offset: offset) {
                uncompressed, segments in
                let memory = UnsafeMutableRawPointer.allocate(byteCount: max(uncompressed, 1), alignment: 8)
                func output(_ segment: CompressedBlock.Segment) -> UnsafeMutableRawBufferPointer {
                    UnsafeMutableRawBufferPointer(start: memory + segment.outputStart, count: segment.outputLength)
                }
                do {
                    // Two segments at a time, decoded side by side.
                    var index = 0
                    while index + 1 < segments.count {
                        try Zlib.decompress(
                            segments[index].stream, into: output(segments[index]), and: segments[index + 1].stream,
                            into: output(segments[index + 1]), file: path, offset: Int64(offset))
                        index += 2
                    }
                    if index < segments.count {
                        try Zlib.decompress(
                            segments[index].stream, into: output(segments[index]), file: path, offset: Int64(offset))
                    }
                } catch {
                    memory.deallocate()
                    throw error
                }
                return (memory, uncompressed)
            }
        default:
            throw LSMError.corruption(
                file: path, offset: Int64(offset), reason: "unknown block compression type \(type)")
        }
    }
}
