/// The layout shared by the write-ahead log and the manifest (LevelDB's log format), specified byte by
/// byte in `doc/log_format.md`.
///
/// A log file is a sequence of 32 KiB blocks. Each block holds physical records
/// `masked crc32c (fixed32) | length (fixed16) | type (1 byte) | payload (length bytes)`; the checksum
/// covers the type byte and the payload. A logical record that does not fit in what is left of a block
/// is split into a FIRST fragment, MIDDLE fragments and a LAST fragment. Fewer than
/// ``headerSize`` bytes left at the end of a block are zero-filled (the trailer) and skipped.
enum LogFormat {
    /// The size of a block; physical records never straddle a block boundary.
    static let blockSize = 32768
    /// `crc (4) | length (2) | type (1)`.
    static let headerSize = 7

    /// The type byte of a physical record: whether it holds a whole logical record or which fragment.
    enum RecordType: UInt8 {
        /// A whole logical record.
        case full = 1
        /// The first fragment of a logical record; it fills the rest of its block.
        case first = 2
        /// An inner fragment; it fills a whole block.
        case middle = 3
        /// The final fragment; it starts a block.
        case last = 4
    }

    /// The unmasked CRC-32C of the type byte alone, indexed by raw type (0 unused), so a record's
    /// checksum is `CRC32C.extend(typeChecksums[type], payload)` without hashing the type each time.
    static let typeChecksums: [UInt32] = (0...4).map { type in
        withUnsafeBytes(of: UInt8(type)) { CRC32C.checksum($0) }
    }

    /// The checksum stored in the header of a record of `type` with `payload`: masked CRC-32C over the
    /// type byte followed by the payload.
    @inline(__always)
    static func storedChecksum(type: UInt8, payload: UnsafeRawBufferPointer) -> UInt32 {
        let typeCRC =
            Int(type) < typeChecksums.count
            ? typeChecksums[Int(type)] : withUnsafeBytes(of: type) { CRC32C.checksum($0) }
        return CRC32C.mask(CRC32C.extend(typeCRC, payload))
    }
}
