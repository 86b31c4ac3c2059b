/// The state of a ``SegmentedLog`` and all its logic, guarded by the log's lock.
///
/// Layout: `segments` are the log's files in index order, contiguous, never empty after open; the last
/// is the *tail*, the only one appended to. Appended records go to `pending` first and are written to
/// the tail with one `pwrite` when the buffer fills, when a sync is asked for, or when a read needs
/// them. Every entry's term is in `termRuns` and the recent entries are in `cache`, so the common reads
/// touch no file.
struct LogState {
    let directory: String
    let options: SegmentedLogOptions
    private var lock: StorageLock?
    private var segments: [LogSegment]
    /// Encoded records not yet written to the tail; they start at file offset `pendingStart`.
    private var pending: [UInt8] = []
    private var pendingStart: Int64
    private var termRuns: [TermRun]
    /// The first index that may be read: raised by compaction above the first segment's first index.
    private var floor: UInt64
    private var cache: EntryCache
    private var closed = false
    /// The error of a failed `fdatasync`: after one, what the page cache holds is unknown, so every
    /// later operation fails with it (the log must be reopened, which re-reads the files).
    private var syncFailure: RaftStorageError?

    private var tail: LogSegment { segments[segments.count - 1] }

    /// The index of the first readable entry.
    var firstIndex: UInt64 { floor }

    /// The index of the last entry, `firstIndex - 1` when the log is empty.
    var lastIndex: UInt64 { tail.lastIndex }

    /// The paths of the segment files, oldest first.
    var segmentPaths: [String] { segments.map(\.path) }

    // MARK: Opening and recovery

    /// Opens the log in `directory` (created if missing), recovering it as described in
    /// ``SegmentedLog/init(directory:options:)``.
    init(directory: String, options: SegmentedLogOptions) throws {
        guard options.maxSegmentSize >= 4096, options.maxSegmentSize <= 1 << 30 else {
            throw RaftStorageError.invalidArgument("maxSegmentSize must be in 4 KiB...1 GiB")
        }
        guard options.maxEntrySize >= 0, options.maxEntrySize <= 1 << 30 else {
            throw RaftStorageError.invalidArgument("maxEntrySize must be in 0...1 GiB")
        }
        self.directory = directory
        self.options = options
        try StorageDirectory.create(directory)
        lock = try StorageLock(path: directory + "/LOCK")

        let firstIndexes = try StorageDirectory.list(directory)
            .compactMap(LogSegment.firstIndex(fromFileName:)).sorted()
        var segments: [LogSegment] = []
        var runs: [TermRun] = []
        let maxLength = LogRecord.fixedPayloadSize + options.maxEntrySize
        for (position, first) in firstIndexes.enumerated() {
            let path = directory + "/" + LogSegment.fileName(firstIndex: first)
            let isLast = position == firstIndexes.count - 1
            let segment = try Self.recover(
                path: path, firstIndex: first, isLast: isLast, maxLength: maxLength, runs: &runs)
            if let previous = segments.last, previous.lastIndex &+ 1 != first {
                throw RaftStorageError.corruption(
                    file: path, offset: 0,
                    reason: "segment starts at index \(first) but the previous one ends at \(previous.lastIndex)")
            }
            segments.append(segment)
        }
        if segments.isEmpty {
            segments.append(try Self.createSegment(directory: directory, firstIndex: 1))
        }
        self.segments = segments
        termRuns = runs
        floor = segments[0].firstIndex
        let last = segments[segments.count - 1]
        pendingStart = last.size
        cache = EntryCache(
            nextIndex: last.lastIndex + 1, maxEntries: options.cacheMaxEntries, maxBytes: options.cacheMaxBytes)
    }

    /// Reads a segment file, verifying every record, and rebuilds its offset index and the term runs.
    ///
    /// In the last segment, a torn tail (what a crash during an unsynced write leaves) is cut off; any
    /// other damage is ``RaftStorageError/corruption(file:offset:reason:)``.
    private static func recover(
        path: String, firstIndex: UInt64, isLast: Bool, maxLength: Int, runs: inout [TermRun]
    ) throws -> LogSegment {
        let file = try StorageFile.open(path)
        let size = try file.size()
        let bytes = try file.read(count: Int(size), at: 0)
        let header = LogSegment.header(firstIndex: firstIndex)
        guard bytes.count >= LogSegment.headerSize, Array(bytes[0..<LogSegment.headerSize]) == header else {
            // A crash while the segment was being created leaves a short or zero header and nothing
            // after it: the segment held nothing yet, so it is written again.
            let restIsZero =
                bytes.count <= LogSegment.headerSize || bytes[LogSegment.headerSize...].allSatisfy { $0 == 0 }
            let headerIsPartial = zip(bytes.prefix(LogSegment.headerSize), header).allSatisfy { $0 == $1 || $0 == 0 }
            if isLast && restIsZero && headerIsPartial {
                try file.truncate(to: 0)
                try file.write(header, at: 0)
                try file.fullSync()
                return LogSegment(firstIndex: firstIndex, file: file, size: Int64(LogSegment.headerSize))
            }
            throw RaftStorageError.corruption(
                file: path, offset: 0, reason: "bad segment header (expected first index \(firstIndex))")
        }
        let segment = LogSegment(firstIndex: firstIndex, file: file, size: Int64(bytes.count))
        var offset = LogSegment.headerSize
        var expected = firstIndex
        var tornAt: Int?
        try bytes.withUnsafeBytes { raw in
            scan: while true {
                let parsed = LogRecord.parse(raw, at: offset, maxLength: maxLength)
                switch parsed {
                case .end:
                    break scan
                case .record(let index, let term, let kind, _, let size):
                    guard index == expected else {
                        throw RaftStorageError.corruption(
                            file: path, offset: Int64(offset),
                            reason: "record holds entry \(index) where entry \(expected) belongs")
                    }
                    guard EntryKind(rawValue: kind) != nil else {
                        throw RaftStorageError.corruption(
                            file: path, offset: Int64(offset), reason: "unknown entry kind \(kind)")
                    }
                    segment.offsets.append(UInt32(offset))
                    if runs.last?.term != term { runs.append(TermRun(startIndex: index, term: term)) }
                    offset += size
                    expected += 1
                case .incomplete, .badLength, .badChecksum:
                    if isLast && isTornTail(raw, at: offset, parsed) {
                        tornAt = offset
                        break scan
                    }
                    throw RaftStorageError.corruption(
                        file: path, offset: Int64(offset), reason: describe(parsed))
                }
            }
        }
        if let cut = tornAt {
            try file.truncate(to: Int64(cut))
            try file.fullSync()
            segment.size = Int64(cut)
        }
        return segment
    }

    /// The sector size below which a write can tear; a whole zero sector inside a record is what a write
    /// that never reached the disk leaves.
    private static let sectorSize = 512

    /// Whether a damaged record at `offset` of the last segment is a torn tail: it is incomplete, or
    /// nothing but zeros follows its start, or its checksum fails and it is the last record (only zeros
    /// follow it) or it holds a whole zero sector.
    private static func isTornTail(_ raw: UnsafeRawBufferPointer, at offset: Int, _ parsed: LogRecord.Parsed) -> Bool {
        if raw.isZero(offset..<raw.count) { return true }
        var regionEnd = raw.count
        switch parsed {
        case .incomplete:
            return true
        case .badChecksum(let end):
            if raw.isZero(end..<raw.count) { return true }
            regionEnd = end
        case .badLength, .end, .record:
            break
        }
        var sector = (offset + sectorSize - 1) / sectorSize * sectorSize
        while sector + sectorSize <= regionEnd {
            if raw.isZero(sector..<(sector + sectorSize)) { return true }
            sector += sectorSize
        }
        return false
    }

    private static func describe(_ parsed: LogRecord.Parsed) -> String {
        switch parsed {
        case .incomplete: return "record runs past the end of the segment"
        case .badLength(let length): return "impossible record length \(length)"
        case .badChecksum: return "record checksum mismatch"
        case .end, .record: return "unexpected record"
        }
    }

    /// Creates an empty segment file (its header only), durable with its directory entry.
    private static func createSegment(directory: String, firstIndex: UInt64) throws -> LogSegment {
        let path = directory + "/" + LogSegment.fileName(firstIndex: firstIndex)
        let file = try StorageFile.open(path, create: true, truncate: true)
        try file.write(LogSegment.header(firstIndex: firstIndex), at: 0)
        try file.sync()
        try StorageDirectory.sync(directory)
        return LogSegment(firstIndex: firstIndex, file: file, size: Int64(LogSegment.headerSize))
    }

    // MARK: Writing

    private func checkOpen() throws {
        if closed { throw RaftStorageError.closed }
        if let syncFailure { throw syncFailure }
    }

    /// Appends `entries`, which must continue the log: the first has index `lastIndex + 1` and the
    /// indexes are consecutive.
    mutating func append(_ entries: [Entry]) throws {
        try checkOpen()
        guard let first = entries.first else { return }
        var expected = lastIndex + 1
        guard first.index == expected else {
            throw RaftStorageError.invalidArgument(
                "append starts at index \(first.index) but the log's next index is \(expected)")
        }
        for entry in entries {
            guard entry.index == expected else {
                throw RaftStorageError.invalidArgument("appended entries skip from \(expected - 1) to \(entry.index)")
            }
            guard entry.data.count <= options.maxEntrySize else {
                throw RaftStorageError.invalidArgument(
                    "entry \(entry.index) has \(entry.data.count) bytes, over maxEntrySize \(options.maxEntrySize)")
            }
            expected += 1
        }
        for entry in entries {
            let recordSize = LogRecord.encodedSize(dataCount: entry.data.count)
            if tail.count > 0 && tail.size + Int64(recordSize) > Int64(options.maxSegmentSize) {
                try rollOver()
            }
            let segment = tail
            segment.offsets.append(UInt32(segment.size))
            segment.size += Int64(recordSize)
            LogRecord.append(entry, to: &pending)
            if termRuns.last?.term != entry.term { termRuns.append(TermRun(startIndex: entry.index, term: entry.term)) }
            cache.append(entry)
            if pending.count >= options.writeBufferSize { try writePending() }
        }
    }

    /// Writes the buffered records to the tail (no sync).
    private mutating func writePending() throws {
        guard !pending.isEmpty else { return }
        try tail.file.write(pending, at: pendingStart)
        tail.needsSync = true
        pendingStart += Int64(pending.count)
        pending.removeAll(keepingCapacity: true)
    }

    /// Closes the tail and starts a new segment. The old tail is synced first, so that a later
    /// segment's existence always implies that every earlier one is complete.
    private mutating func rollOver() throws {
        try writePending()
        try tail.file.sync()
        tail.needsSync = false
        let segment = try Self.createSegment(directory: directory, firstIndex: tail.lastIndex + 1)
        segments.append(segment)
        pendingStart = segment.size
    }

    /// Makes every appended entry durable: writes the buffer and `fdatasync`s each segment written
    /// since the last sync.
    mutating func sync() throws {
        let (files, _) = try prepareSync()
        do {
            for file in files { try file.sync() }
        } catch {
            recordSyncFailure(error)
            throw error
        }
    }

    /// The first half of a sync, under the lock: writes the buffer and returns the files to
    /// `fdatasync` (which the caller may do without the lock) and the last index they make durable.
    mutating func prepareSync() throws -> (files: [StorageFile], durableIndex: UInt64) {
        try checkOpen()
        try writePending()
        var files: [StorageFile] = []
        for segment in segments where segment.needsSync {
            files.append(segment.file)
            segment.needsSync = false
        }
        return (files, lastIndex)
    }

    /// Poisons the log after a failed `fdatasync`.
    mutating func recordSyncFailure(_ error: any Error) {
        syncFailure = (error as? RaftStorageError) ?? .io(operation: "fdatasync", path: directory, errno: 0)
    }

    /// Deletes the entries after `index`, durably. Whole segments after it are deleted (the last
    /// first, so that what remains is always a contiguous log); the segment holding `index` is cut.
    mutating func truncate(after index: UInt64) throws {
        try checkOpen()
        guard index >= floor - 1 else {
            throw RaftStorageError.compacted(index: index, firstIndex: floor)
        }
        guard index < lastIndex else { return }
        try writePending()
        while segments.count > 1 && tail.firstIndex > index {
            // Not closed here: a sync running outside the lock may still hold the descriptor; it closes
            // when the last reference goes.
            let segment = segments.removeLast()
            try StorageDirectory.remove(segment.path)
            try StorageDirectory.sync(directory)
        }
        let segment = tail
        if segment.lastIndex > index {
            let keep = Int(index + 1 - segment.firstIndex)
            let cut = Int64(segment.offsets[keep])
            segment.offsets.removeSubrange(keep...)
            try segment.file.truncate(to: cut)
            try segment.file.fullSync()
            segment.size = cut
            segment.needsSync = false
        }
        pendingStart = segment.size
        while let run = termRuns.last, run.startIndex > index { termRuns.removeLast() }
        cache.truncate(after: index)
    }

    /// Makes entries up to `index` unreadable and deletes every segment whose entries all lie at or
    /// below it (never the tail).
    mutating func compact(upTo index: UInt64) throws {
        try checkOpen()
        guard index <= lastIndex else {
            throw RaftStorageError.unavailable(index: index, lastIndex: lastIndex)
        }
        guard index >= floor else { return }
        floor = index + 1
        while segments.count > 1 && segments[0].lastIndex <= index {
            let segment = segments.removeFirst()
            try StorageDirectory.remove(segment.path)
            try StorageDirectory.sync(directory)
        }
        while termRuns.count > 1 && termRuns[1].startIndex <= floor { termRuns.removeFirst() }
        cache.drop(before: floor)
    }

    /// Discards every entry and restarts the log empty, its next entry being `index + 1` (after a
    /// snapshot from the leader replaced the whole log). Durable when it returns.
    mutating func reset(to index: UInt64) throws {
        try checkOpen()
        guard index < UInt64.max else { throw RaftStorageError.invalidArgument("reset index \(index) is too large") }
        pending.removeAll()
        while let segment = segments.popLast() {
            try StorageDirectory.remove(segment.path)
        }
        try StorageDirectory.sync(directory)
        let segment = try Self.createSegment(directory: directory, firstIndex: index + 1)
        segments = [segment]
        pendingStart = segment.size
        termRuns = []
        floor = index + 1
        cache.clear(nextIndex: index + 1)
    }

    /// Syncs and closes the files and releases the directory lock; later calls throw
    /// ``RaftStorageError/closed``.
    mutating func close() throws {
        guard !closed else { return }
        try sync()
        closed = true
        for segment in segments { try? segment.file.close() }
        lock?.unlock()
        lock = nil
    }

    // MARK: Reading

    /// The term of the entry at `index`, or `nil` outside `firstIndex...lastIndex`.
    func term(at index: UInt64) -> UInt64? {
        guard index >= floor, index <= lastIndex, !termRuns.isEmpty else { return nil }
        var low = 0
        var high = termRuns.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if termRuns[middle].startIndex <= index { low = middle } else { high = middle - 1 }
        }
        return termRuns[low].term
    }

    /// The entries of `range`, stopping early once their encoded size would pass `maxBytes` (the first
    /// entry is always returned).
    mutating func entries(in range: Range<UInt64>, maxBytes: Int) throws -> [Entry] {
        try checkOpen()
        guard !range.isEmpty else { return [] }
        guard range.lowerBound >= floor else {
            throw RaftStorageError.compacted(index: range.lowerBound, firstIndex: floor)
        }
        guard range.upperBound <= lastIndex + 1 else {
            throw RaftStorageError.unavailable(index: range.upperBound - 1, lastIndex: lastIndex)
        }
        var result: [Entry] = []
        var budget = maxBytes
        var index = range.lowerBound
        while index < range.upperBound {
            if index >= cache.firstIndex {
                let entry = cache[index]
                let size = LogRecord.encodedSize(dataCount: entry.data.count)
                if !result.isEmpty && size > budget { break }
                result.append(entry)
                budget -= size
                index += 1
                continue
            }
            let end = min(range.upperBound, cache.firstIndex)
            let before = result.count
            try readFromSegment(from: index, to: end, budget: &budget, into: &result)
            if result.count == before { break }
            index += UInt64(result.count - before)
        }
        return result
    }

    /// Reads entries `from..<to` of the segment holding `from` (stopping at its end or when the budget
    /// runs out) with one `pread`, verifying every record.
    private mutating func readFromSegment(
        from: UInt64, to: UInt64, budget: inout Int, into result: inout [Entry]
    ) throws {
        var low = 0
        var high = segments.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if segments[middle].firstIndex <= from { low = middle } else { high = middle - 1 }
        }
        let segment = segments[low]
        let firstPosition = Int(from - segment.firstIndex)
        let endPosition = min(Int(min(to, segment.lastIndex + 1) - segment.firstIndex), segment.count)
        // Decide from the offset index how many records fit the budget before reading any byte.
        var lastPosition = firstPosition
        var spanBytes = segment.recordEnd(firstPosition) - Int64(segment.offsets[firstPosition])
        let allowFirst = result.isEmpty
        if !allowFirst && spanBytes > budget { return }
        while lastPosition + 1 < endPosition {
            let next = segment.recordEnd(lastPosition + 1) - segment.recordEnd(lastPosition)
            if spanBytes + next > budget { break }
            spanBytes += next
            lastPosition += 1
        }
        let start = Int64(segment.offsets[firstPosition])
        if segment === tail && start + spanBytes > pendingStart { try writePending() }
        let bytes = try segment.file.read(count: Int(spanBytes), at: start)
        let maxLength = LogRecord.fixedPayloadSize + options.maxEntrySize
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            for position in firstPosition...lastPosition {
                let expected = segment.firstIndex + UInt64(position)
                let parsed = LogRecord.parse(raw, at: offset, maxLength: maxLength)
                guard case .record(let index, let term, let kind, let data, let size) = parsed, index == expected,
                    let entryKind = EntryKind(rawValue: kind)
                else {
                    throw RaftStorageError.corruption(
                        file: segment.path, offset: start + Int64(offset),
                        reason: "entry \(expected) does not read back: \(Self.describe(parsed))")
                }
                result.append(
                    Entry(
                        term: term, index: index, kind: entryKind,
                        data: Array(UnsafeRawBufferPointer(rebasing: raw[data]))))
                offset += size
            }
        }
        budget -= Int(spanBytes)
    }
}
