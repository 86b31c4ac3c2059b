/// Reads back the logical records of a log file written by ``LogWriter`` (the WAL or a manifest),
/// sequentially, one 32 KiB block per `pread`.
///
/// Damage is classified as a *torn tail* or a *corrupt middle* (see `doc/log_format.md`):
///
/// - When the file ends inside a record (inside a header, a payload, or between the FIRST and the LAST
///   fragment of a logical record), the unfinished record is a torn tail.
/// - When a physical record is damaged (bad checksum, unknown type, length past its block, fragments
///   out of sequence), the reader looks ahead: if some *record start* (a FULL or FIRST physical record
///   whose checksum verifies and which lies entirely inside its block) exists anywhere after the
///   damaged record's offset, the damage is in the middle of the log and ``readRecord()`` throws
///   ``LSMError/corruption(file:offset:reason:)`` with the damaged physical record's offset. Otherwise
///   nothing valid was written after it and it is a torn tail too.
///
/// A torn tail is what a crash leaves of records that were never acknowledged, so it is dropped
/// silently: ``readRecord()`` returns `nil`, ``droppedTornTail`` is true, and ``validEnd`` says where
/// to truncate the file. Continuation fragments (MIDDLE, LAST) do not count as evidence in the look
/// ahead, because they may be the rest of the damaged record itself: damage anywhere in the last
/// logical record is a torn tail.
///
/// Every error is sticky: once ``readRecord()`` has thrown, it throws the same error again.
final class LogReader {
    /// One physical record as read from the current block, or why none could be read.
    private enum PhysicalRecord {
        /// `payload` points into the block buffer and is valid until the next read.
        case record(type: LogFormat.RecordType, payload: UnsafeRawBufferPointer, offset: Int64)
        /// The file ends cleanly: at a record boundary, or in the trailer of a full block.
        case end
        /// The physical record at `offset` cannot be read.
        case damage(offset: Int64, reason: String)
    }

    private let file: PosixFile
    /// The current block's bytes.
    private let block: UnsafeMutableRawPointer
    /// The file offset of the current block.
    private var blockStart: Int64
    /// How many bytes of the current block the file holds; less than a block only at the file's end.
    private var blockLength: Int
    /// The offset in the current block of the next physical record.
    private var position: Int
    /// Set once the reader has reached the end of what it will return.
    private var finished = false
    /// The error thrown before, thrown again by every later call.
    private var failure: LSMError?

    /// The file offset where the last returned record's first physical record starts.
    private(set) var lastRecordOffset: Int64 = 0
    /// True when ``readRecord()`` returned `nil` because it dropped a torn tail.
    private(set) var droppedTornTail = false
    /// The offset just past the last complete logical record returned (0 before any). Truncating the
    /// file there removes a torn tail and leaves a log that a ``LogWriter`` with this `initialOffset`
    /// can extend. After a clean end it may be below the file size by a zero trailer of < 7 bytes.
    private(set) var validEnd: Int64 = 0

    /// Reads `file` from offset 0.
    init(file: PosixFile) {
        self.file = file
        self.block = UnsafeMutableRawPointer.allocate(byteCount: LogFormat.blockSize, alignment: 8)
        // As if a full block before offset 0 had just been consumed, so the first read loads block 0.
        self.blockStart = -Int64(LogFormat.blockSize)
        self.blockLength = LogFormat.blockSize
        self.position = LogFormat.blockSize
    }

    deinit {
        block.deallocate()
    }

    /// The next complete logical record, or `nil` at the end of the log (clean, or a dropped torn
    /// tail). Throws ``LSMError/corruption(file:offset:reason:)`` for damage followed by valid records.
    func readRecord() throws -> [UInt8]? {
        if let failure { throw failure }
        if finished { return nil }
        do {
            return try assembleRecord()
        } catch let error as LSMError {
            failure = error
            throw error
        }
    }

    /// Reads physical records until they make up one logical record.
    private func assembleRecord() throws -> [UInt8]? {
        var assembled: [UInt8] = []
        // The offset of the FIRST fragment while inside a fragmented record.
        var fragmentStart: Int64?
        while true {
            switch try readPhysicalRecord() {
            case .end:
                finished = true
                // A FIRST (and MIDDLEs) without their LAST at the end of the file: the crash cut the
                // record short.
                if fragmentStart != nil { droppedTornTail = true }
                return nil
            case .damage(let offset, let reason):
                return try damaged(at: offset, reason: reason)
            case .record(let type, let payload, let offset):
                switch type {
                case .full:
                    if let start = fragmentStart {
                        return try damaged(
                            at: start,
                            reason: "fragmented record has no LAST fragment (a FULL record follows at \(offset))")
                    }
                    lastRecordOffset = offset
                    validEnd = blockStart + Int64(position)
                    return Array(payload)
                case .first:
                    if let start = fragmentStart {
                        return try damaged(
                            at: start,
                            reason: "fragmented record has no LAST fragment (a FIRST fragment follows at \(offset))")
                    }
                    fragmentStart = offset
                    assembled.append(contentsOf: payload)
                case .middle:
                    guard fragmentStart != nil else {
                        return try damaged(at: offset, reason: "MIDDLE fragment without a FIRST fragment before it")
                    }
                    assembled.append(contentsOf: payload)
                case .last:
                    guard let start = fragmentStart else {
                        return try damaged(at: offset, reason: "LAST fragment without a FIRST fragment before it")
                    }
                    assembled.append(contentsOf: payload)
                    lastRecordOffset = start
                    validEnd = blockStart + Int64(position)
                    return assembled
                }
            }
        }
    }

    /// Handles damage at `offset`: throws corruption if a record start follows, else drops the torn tail.
    private func damaged(at offset: Int64, reason: String) throws -> [UInt8]? {
        finished = true
        if try recordStartFollows(after: offset) {
            throw LSMError.corruption(
                file: file.path, offset: offset, reason: "\(reason); valid records follow, so it is not a torn tail")
        }
        droppedTornTail = true
        return nil
    }

    /// The next physical record of the current block, loading the next block when this one is used up.
    private func readPhysicalRecord() throws -> PhysicalRecord {
        let headerSize = LogFormat.headerSize
        while true {
            let left = blockLength - position
            if left < headerSize {
                if blockLength < LogFormat.blockSize {
                    // The file's last, partial block.
                    if left == 0 { return .end }
                    return .damage(
                        offset: blockStart + Int64(position), reason: "the file ends inside a record header")
                }
                // The zero trailer of a full block, or its exact end: go on with the next block.
                blockStart += Int64(LogFormat.blockSize)
                position = 0
                blockLength = try file.read(into: block, count: LogFormat.blockSize, at: blockStart)
                continue
            }

            let header = UnsafeRawPointer(block + position)
            let offset = blockStart + Int64(position)
            let storedChecksum = Coding.loadFixed32(header)
            let length = Int(UInt16(littleEndian: header.loadUnaligned(fromByteOffset: 4, as: UInt16.self)))
            let rawType = header.load(fromByteOffset: 6, as: UInt8.self)
            if headerSize + length > left {
                let reason =
                    position + headerSize + length <= LogFormat.blockSize
                    ? "the file ends inside the payload of a record of length \(length)"
                    : "record length \(length) runs past the end of its block"
                return .damage(offset: offset, reason: reason)
            }
            let payload = UnsafeRawBufferPointer(start: header + headerSize, count: length)
            if storedChecksum == 0 && length == 0 && rawType == 0, try onlyZerosFollow(blockPosition: position) {
                // The zero-filled space a writer reserved ahead of its records: the log ends here.
                return .end
            }
            if LogFormat.storedChecksum(type: rawType, payload: payload) != storedChecksum {
                let reason =
                    storedChecksum == 0 && length == 0 && rawType == 0
                    ? "zero-filled bytes where a record header should be" : "checksum mismatch"
                return .damage(offset: offset, reason: reason)
            }
            guard let type = LogFormat.RecordType(rawValue: rawType) else {
                return .damage(offset: offset, reason: "unknown record type \(rawType)")
            }
            position += headerSize + length
            return .record(type: type, payload: payload, offset: offset)
        }
    }

    /// Whether every byte from `blockPosition` in the current block to the end of the file is zero.
    /// Reads the blocks after the current one into a scratch buffer, leaving the current block as is.
    private func onlyZerosFollow(blockPosition: Int) throws -> Bool {
        var index = blockPosition
        while index < blockLength {
            if block.load(fromByteOffset: index, as: UInt8.self) != 0 { return false }
            index += 1
        }
        guard blockLength == LogFormat.blockSize else { return true }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: LogFormat.blockSize, alignment: 8)
        defer { scratch.deallocate() }
        var next = blockStart + Int64(LogFormat.blockSize)
        while true {
            let length = try file.read(into: scratch, count: LogFormat.blockSize, at: next)
            let words = UnsafeRawBufferPointer(start: scratch, count: length)
            var offset = 0
            while offset + 8 <= length {
                if words.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != 0 { return false }
                offset += 8
            }
            while offset < length {
                if words[offset] != 0 { return false }
                offset += 1
            }
            if length < LogFormat.blockSize { return true }
            next += Int64(LogFormat.blockSize)
        }
    }

    /// Whether a record start exists after `offset`: a FULL or FIRST physical record at any byte offset
    /// past `offset` whose header and payload lie inside its block (and the file) and whose checksum
    /// verifies. Reuses the block buffer, so reading cannot go on afterwards.
    ///
    /// Every byte offset is a candidate because the damaged record's length cannot be trusted. The
    /// type test rejects almost all of them before any checksum is computed.
    private func recordStartFollows(after offset: Int64) throws -> Bool {
        let headerSize = LogFormat.headerSize
        let blockSize = Int64(LogFormat.blockSize)
        let start = offset + 1
        var scanBlockStart = start / blockSize * blockSize
        var candidate = Int(start - scanBlockStart)
        while true {
            let length = try file.read(into: block, count: LogFormat.blockSize, at: scanBlockStart)
            while candidate + headerSize <= length {
                let header = UnsafeRawPointer(block + candidate)
                let rawType = header.load(fromByteOffset: 6, as: UInt8.self)
                if rawType == LogFormat.RecordType.full.rawValue || rawType == LogFormat.RecordType.first.rawValue {
                    let payloadLength = Int(
                        UInt16(littleEndian: header.loadUnaligned(fromByteOffset: 4, as: UInt16.self)))
                    if candidate + headerSize + payloadLength <= length {
                        let payload = UnsafeRawBufferPointer(start: header + headerSize, count: payloadLength)
                        if LogFormat.storedChecksum(type: rawType, payload: payload) == Coding.loadFixed32(header) {
                            return true
                        }
                    }
                }
                candidate += 1
            }
            if length < LogFormat.blockSize { return false }
            scanBlockStart += blockSize
            candidate = 0
        }
    }
}
