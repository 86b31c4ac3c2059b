/// One file of a ``SegmentedLog``: a header, then the records of consecutive entries starting at
/// `firstIndex`.
///
/// The segment keeps the file offset of every entry's record in memory (4 bytes an entry), so reading
/// entries is one `pread` of a known byte span rather than a scan. Owned by the log's state under its
/// lock; never shared.
final class LogSegment {
    /// The segment header: `"RAFTSEG1" | fixed64 firstIndex | fixed32 0 | fixed32 masked CRC-32C of the
    /// first 20 bytes`.
    static let headerSize = 24
    static let magic: [UInt8] = Array("RAFTSEG1".utf8)

    /// The index of the first entry the segment holds (or will hold, while empty).
    let firstIndex: UInt64
    /// The file.
    let file: StorageFile
    /// The file offset of each entry's record: `offsets[i]` is entry `firstIndex + i`'s.
    var offsets: [UInt32] = []
    /// The segment's logical size: written bytes plus the bytes still in the log's write buffer.
    var size: Int64
    /// Whether bytes were written to the file since its last `fdatasync`.
    var needsSync = false

    init(firstIndex: UInt64, file: StorageFile, size: Int64) {
        self.firstIndex = firstIndex
        self.file = file
        self.size = size
    }

    /// The file's path.
    var path: String { file.path }

    /// The number of entries.
    var count: Int { offsets.count }

    /// The index of the last entry, `firstIndex - 1` when empty.
    var lastIndex: UInt64 { firstIndex + UInt64(offsets.count) - 1 }

    /// The file offset just past the record of entry `firstIndex + position`.
    @inline(__always)
    func recordEnd(_ position: Int) -> Int64 {
        position + 1 < offsets.count ? Int64(offsets[position + 1]) : size
    }

    /// The file name of the segment whose first index is `firstIndex`: 20 decimal digits and `.seg`,
    /// so that names sort as the indexes do.
    static func fileName(firstIndex: UInt64) -> String {
        let digits = String(firstIndex)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    /// The first index a segment file name stands for, or `nil` if `name` is no segment's.
    static func firstIndex(fromFileName name: String) -> UInt64? {
        guard name.hasSuffix(".seg"), name.utf8.count == 24 else { return nil }
        let digits = name.prefix(20)
        guard digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt64(digits)
    }

    /// The header bytes of a segment starting at `firstIndex`.
    static func header(firstIndex: UInt64) -> [UInt8] {
        var bytes = magic
        bytes.appendFixed64(firstIndex)
        bytes.appendFixed32(0)
        bytes.appendFixed32(StorageChecksum.mask(StorageChecksum.extend(0, bytes)))
        return bytes
    }
}
