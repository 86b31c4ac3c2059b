/// Appends logical records to a log file in the block format of ``LogFormat`` (the WAL and the
/// manifest).
///
/// Each ``addRecord(_:)-(UnsafeRawBufferPointer)`` assembles every fragment of the record (and any
/// trailer padding before it) straight into the reserved, mapped part of the file when it fits there
/// (see ``init(file:initialOffset:preallocationChunk:)``), else in a buffer the writer owns and keeps,
/// written with one `pwrite`. So a crash of the process tears at most the record being written, and
/// a warmed-up writer allocates nothing. Nothing is durable against a crash
/// of the machine until ``sync()``.
///
/// After a failed write or sync the file holds an unknown prefix of the record, so the writer refuses
/// further appends and syncs and rethrows that first error: the caller must stop using this log (LevelDB turns it into
/// a background error).
// @unchecked Sendable: the writer has no internal locking. It is safe because the store lets exactly
// one writer (the leader of its write queue, or the holder of the version lock for a manifest) use a
// given log at a time, as appends to a `PosixFile` must be serialized anyway.
final class LogWriter: @unchecked Sendable {
    private let file: PosixFile
    /// Bytes in the file so far (the initial size plus everything appended).
    private(set) var offset: Int64
    /// Where the next byte lands within its block.
    private var blockOffset: Int
    /// Reused assembly buffer for one record's fragments; grows to the largest record seen.
    private var buffer: UnsafeMutableRawPointer
    private var bufferCapacity: Int
    /// The first write error; once set, every append throws it.
    private var failure: LSMError?
    /// Bytes to reserve at a time past the end of what is written (0: none); see ``init(file:initialOffset:preallocationChunk:)``.
    private var preallocationChunk: Int
    /// The reserved part of the file, mapped writable, that records are copied into; nil before the
    /// first reservation, or when mapping failed (records are then written with `pwrite`).
    private var window: WritableFileWindow?
    /// Where the reserved (zero-filled) part of the file ends.
    private var reservedEnd: Int64

    /// `initialOffset`: the file's current size, when appending to an existing log (opened with
    /// ``PosixFile/openForAppending(_:)``), so that block boundaries stay where the reader expects.
    ///
    /// `preallocationChunk` > 0 reserves the file ahead of the writes, that many bytes at a time, with
    /// `posix_fallocate`: records then overwrite zeros inside the file instead of growing it, so an
    /// `fdatasync` has no file size to commit and returns sooner (about 30% on this machine's ext4,
    /// RocksDB's reason for recycling WAL files). The reserved part is mapped writable (when `file`
    /// is open for reading and writing) and records are copied into it instead of written with a
    /// system call each. Readers take zeros from a header position to the end of the file as the end
    /// of the log (see doc/log_format.md).
    init(file: PosixFile, initialOffset: Int64 = 0, preallocationChunk: Int = 0) {
        precondition(initialOffset >= 0, "negative log offset")
        self.preallocationChunk = max(preallocationChunk, 0)
        self.reservedEnd = initialOffset
        self.file = file
        self.offset = initialOffset
        self.blockOffset = Int(initialOffset % Int64(LogFormat.blockSize))
        self.bufferCapacity = LogFormat.blockSize
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferCapacity, alignment: 8)
    }

    deinit {
        buffer.deallocate()
    }

    /// The most bytes a record of `length` payload bytes can take on disk: its payload, a header per
    /// block it touches, and a trailer of up to `headerSize - 1` bytes before it.
    private static func maximumEncodedSize(_ length: Int) -> Int {
        let perBlock = LogFormat.blockSize - LogFormat.headerSize
        return length + LogFormat.headerSize * (length / perBlock + 2) + LogFormat.headerSize
    }

    /// Appends one logical record.
    func addRecord(_ record: UnsafeRawBufferPointer) throws {
        if let failure { throw failure }
        let needed = Self.maximumEncodedSize(record.count)
        if preallocationChunk > 0 && offset + Int64(needed) > reservedEnd { reserve(from: offset, atLeast: needed) }
        // Assemble straight into the mapped file when the record fits there, else in the buffer.
        let destination: UnsafeMutableRawPointer
        let mapped: Bool
        if let window, offset + Int64(needed) <= window.end {
            destination = window.base + Int(offset - window.start)
            mapped = true
        } else {
            if needed > bufferCapacity {
                buffer.deallocate()
                bufferCapacity = max(needed, bufferCapacity * 2)
                buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferCapacity, alignment: 8)
            }
            destination = buffer
            mapped = false
        }

        var used = 0
        var blockOffset = self.blockOffset
        var consumed = 0
        var isFirstFragment = true
        // At least one fragment, so an empty record is written as an empty FULL record.
        repeat {
            let leftInBlock = LogFormat.blockSize - blockOffset
            if leftInBlock < LogFormat.headerSize {
                // Not even a header fits: zero the trailer and start the next block.
                (destination + used).initializeMemory(as: UInt8.self, repeating: 0, count: leftInBlock)
                used += leftInBlock
                blockOffset = 0
            }
            let available = LogFormat.blockSize - blockOffset - LogFormat.headerSize
            let fragmentLength = min(record.count - consumed, available)
            let isLastFragment = consumed + fragmentLength == record.count
            let type: LogFormat.RecordType =
                switch (isFirstFragment, isLastFragment) {
                case (true, true): .full
                case (true, false): .first
                case (false, false): .middle
                case (false, true): .last
                }
            let payload = UnsafeRawBufferPointer(rebasing: record[consumed..<(consumed + fragmentLength)])
            let header = destination + used
            Coding.storeFixed32(header, LogFormat.storedChecksum(type: type.rawValue, payload: payload))
            header.storeBytes(of: UInt16(fragmentLength).littleEndian, toByteOffset: 4, as: UInt16.self)
            header.storeBytes(of: type.rawValue, toByteOffset: 6, as: UInt8.self)
            if let source = payload.baseAddress, fragmentLength > 0 {
                (header + LogFormat.headerSize).copyMemory(from: source, byteCount: fragmentLength)
            }
            used += LogFormat.headerSize + fragmentLength
            blockOffset += LogFormat.headerSize + fragmentLength
            consumed += fragmentLength
            isFirstFragment = false
        } while consumed < record.count

        let end = offset + Int64(used)
        if !mapped {
            do {
                try file.write(UnsafeRawBufferPointer(start: buffer, count: used), at: offset)
            } catch let error as LSMError {
                failure = error
                throw error
            }
        }
        self.blockOffset = blockOffset
        offset = end
    }

    /// Reserves the next `preallocationChunk` bytes (at least `needed`) from `start` and maps them,
    /// replacing the window; gives up reserving (records are then written with `pwrite`, growing the
    /// file) when the file system cannot reserve, and maps nothing when mapping fails.
    private func reserve(from start: Int64, atLeast needed: Int) {
        window = nil
        let length = Int64(max(preallocationChunk, needed))
        guard file.preallocate(offset: start, length: length) else {
            preallocationChunk = 0
            return
        }
        reservedEnd = start + length
        window = WritableFileWindow(file: file, start: start, end: reservedEnd)
    }

    /// Appends one logical record.
    func addRecord(_ record: [UInt8]) throws {
        try record.withUnsafeBytes { try addRecord($0) }
    }

    /// Makes everything appended so far durable (`fdatasync`).
    ///
    /// A failed sync is sticky too: after `fdatasync` fails the kernel may have dropped the dirty
    /// pages, so a later successful sync would not prove the earlier records durable.
    func sync() throws {
        if let failure { throw failure }
        do {
            try file.sync()
        } catch let error as LSMError {
            failure = error
            throw error
        }
    }

    /// Closes the file without syncing it.
    func close() throws {
        window = nil
        try file.close()
    }
}
