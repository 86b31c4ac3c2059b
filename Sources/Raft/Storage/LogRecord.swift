/// The framing of one entry in a log segment (see `doc/raft_storage_format.md`):
///
///     fixed32 length L | fixed32 masked CRC-32C of (length field, payload) | payload (L bytes)
///     payload: fixed64 index | fixed64 term | uint8 kind | data (L - 17 bytes)
enum LogRecord {
    /// The length and checksum fields.
    static let headerSize = 8
    /// The payload's fixed part: index, term and kind.
    static let fixedPayloadSize = 17

    /// The bytes a record for `entry` takes in a segment.
    @inline(__always)
    static func encodedSize(dataCount: Int) -> Int {
        headerSize + fixedPayloadSize + dataCount
    }

    /// Appends the record of `entry` to `buffer`.
    static func append(_ entry: Entry, to buffer: inout [UInt8]) {
        let start = buffer.count
        let length = UInt32(fixedPayloadSize + entry.data.count)
        buffer.appendFixed32(length)
        buffer.appendFixed32(0)
        buffer.appendFixed64(entry.index)
        buffer.appendFixed64(entry.term)
        buffer.append(entry.kind.rawValue)
        buffer.append(contentsOf: entry.data)
        let crc = buffer.withUnsafeBytes { raw -> UInt32 in
            let lengthField = UnsafeRawBufferPointer(rebasing: raw[start..<(start + 4)])
            let payload = UnsafeRawBufferPointer(rebasing: raw[(start + headerSize)...])
            return StorageChecksum.extend(StorageChecksum.extend(0, lengthField), payload)
        }
        buffer.storeFixed32(StorageChecksum.mask(crc), at: start + 4)
    }

    /// What is found at one offset of a segment's bytes.
    enum Parsed {
        /// A whole record whose checksum holds: its entry's fields, where its data is, and its size.
        case record(index: UInt64, term: UInt64, kind: UInt8, data: Range<Int>, size: Int)
        /// The bytes end exactly here.
        case end
        /// The bytes end inside the record's header or payload.
        case incomplete
        /// The length field is impossible (below the fixed payload or above `maxLength`).
        case badLength(UInt32)
        /// The record is whole but its checksum fails; it would end at `end`.
        case badChecksum(end: Int)
    }

    /// Parses the record at `offset` of `bytes`, verifying its checksum.
    static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int, maxLength: Int) -> Parsed {
        let available = bytes.count - offset
        if available == 0 { return .end }
        if available < headerSize { return .incomplete }
        let length = bytes.fixed32(at: offset)
        guard Int(length) >= fixedPayloadSize, Int(length) <= maxLength else { return .badLength(length) }
        let end = offset + headerSize + Int(length)
        if end > bytes.count { return .incomplete }
        let stored = bytes.fixed32(at: offset + 4)
        let lengthField = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 4)])
        let payload = UnsafeRawBufferPointer(rebasing: bytes[(offset + headerSize)..<end])
        let crc = StorageChecksum.extend(StorageChecksum.extend(0, lengthField), payload)
        guard StorageChecksum.mask(crc) == stored else { return .badChecksum(end: end) }
        let p = offset + headerSize
        return .record(
            index: bytes.fixed64(at: p), term: bytes.fixed64(at: p + 8), kind: bytes[p + 16],
            data: (p + fixedPayloadSize)..<end, size: end - offset)
    }
}
