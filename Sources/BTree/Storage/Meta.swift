/// The contents of a meta page: where the tree and the freelist are, how large the file is, and
/// which transaction wrote it. Pages 0 and 1 hold the two most recent metas; transaction `t` writes
/// page `t % 2`, so a torn meta write leaves the other, older meta intact.
///
/// Layout after the 24-byte page header: magic (4), version (4), page size (4), flags (4), root bucket
/// header (16), freelist page id (8), page count (8), transaction id (8). See doc/btree_format.md.
struct Meta: Equatable {
    /// "BTRE" in the file's byte order.
    static let magic: UInt32 = 0x4552_5442
    /// The format version this code reads and writes.
    static let version: UInt32 = 1

    /// Bytes of every page, a power of two.
    var pageSize: Int
    /// The root bucket: its root page and (unused) sequence.
    var root: BucketHeader
    /// The first page of the freelist run.
    var freelist: UInt64
    /// The high-water mark: pages 0 ..< pageCount are in use or free; the file holds at least that many.
    var pageCount: UInt64
    /// The id of the transaction that wrote this meta.
    var txid: UInt64

    /// Encodes the meta into the `pageSize`-byte page at `buffer` as page `slot` (0 or 1), checksum
    /// included.
    func write(to buffer: UnsafeMutableRawPointer, slot: UInt64) {
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: pageSize)
        LittleEndian.store(PageKind.meta.rawValue, buffer, 4)
        LittleEndian.store(slot, buffer, 16)
        LittleEndian.store(Meta.magic, buffer, 24)
        LittleEndian.store(Meta.version, buffer, 28)
        LittleEndian.store(UInt32(pageSize), buffer, 32)
        root.encode(to: buffer + 40)
        LittleEndian.store(freelist, buffer, 56)
        LittleEndian.store(pageCount, buffer, 64)
        LittleEndian.store(txid, buffer, 72)
        Page.seal(buffer, length: pageSize)
    }

    /// The page size a meta page claims, read without any validation (to know how much to read).
    static func claimedPageSize(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 36, let base = bytes.baseAddress else { return nil }
        guard LittleEndian.u32(base, 24) == magic else { return nil }
        let size = Int(LittleEndian.u32(base, 32))
        return isValidPageSize(size) ? size : nil
    }

    /// Whether `size` is a page size the format allows.
    static func isValidPageSize(_ size: Int) -> Bool {
        size >= Page.minimumPageSize && size <= Page.maximumPageSize && size & (size - 1) == 0
    }

    /// What is wrong with the meta page candidate.
    enum DecodeFailure: Error, Equatable {
        /// Not a meta page of this format at all (no magic number).
        case notMeta(String)
        /// A meta page of this format that is damaged or inconsistent with the file.
        case damaged(String)
    }

    /// Decodes and validates the meta page `slot` from its `pageSize` bytes. Whether the file is long
    /// enough for it is the caller's question (a short file is damage, not a torn meta write).
    static func decode(_ bytes: UnsafeRawBufferPointer, slot: UInt64, pageSize: Int) -> Result<Meta, DecodeFailure> {
        guard bytes.count >= pageSize, pageSize >= 80, let base = bytes.baseAddress else {
            return .failure(.notMeta("file too short for meta page \(slot)"))
        }
        guard LittleEndian.u32(base, 24) == magic else {
            return .failure(.notMeta("meta page \(slot) has no magic number"))
        }
        let version = LittleEndian.u32(base, 28)
        guard version == Meta.version else {
            return .failure(
                .notMeta("meta page \(slot) has format version \(version), this code reads \(Meta.version)"))
        }
        guard Page.checksum(base, length: pageSize) == LittleEndian.u32(base, 0) else {
            return .failure(.damaged("meta page \(slot): checksum mismatch"))
        }
        guard LittleEndian.u16(base, 4) == PageKind.meta.rawValue, LittleEndian.u64(base, 16) == slot else {
            return .failure(.damaged("meta page \(slot): wrong kind or page id in its header"))
        }
        guard Int(LittleEndian.u32(base, 32)) == pageSize else {
            return .failure(.damaged("meta page \(slot): page size differs from the other meta page"))
        }
        let meta = Meta(
            pageSize: pageSize, root: BucketHeader(base + 40), freelist: LittleEndian.u64(base, 56),
            pageCount: LittleEndian.u64(base, 64), txid: LittleEndian.u64(base, 72))
        guard meta.pageCount >= 4, meta.pageCount <= UInt64(Int.max / pageSize) else {
            return .failure(.damaged("meta page \(slot): impossible page count \(meta.pageCount)"))
        }
        guard meta.root.root >= 2, meta.root.root < meta.pageCount, meta.freelist >= 2,
            meta.freelist < meta.pageCount
        else {
            return .failure(.damaged("meta page \(slot): root or freelist page out of range"))
        }
        return .success(meta)
    }
}
