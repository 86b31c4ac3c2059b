/// A read-only view of one page (with its overflow pages) in memory, in the map or in a buffer.
///
/// Every page starts with a 24-byte header (doc/btree_format.md):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 4 | masked CRC-32C of bytes 4 ..< end (see ``usedLength(pageSize:)``; the whole run for other pages) |
/// | 4 | 2 | kind (``PageKind``) |
/// | 6 | 2 | element count (branch and leaf pages) |
/// | 8 | 4 | overflow: pages that follow this one in the same run |
/// | 12 | 4 | branch and leaf pages: bytes in use (header, elements and their data); others: zero |
/// | 16 | 8 | the page's own id |
///
/// The accessors do no bounds checking: callers use them only on pages that ``structureProblem(pageSize:)``
/// accepted (``PageSpace`` guarantees that for every tree page it hands out).
struct Page {
    /// Bytes of the page header.
    static let headerSize = 24
    /// Bytes of a branch element: child id (8), key offset (2), key size (2).
    static let branchElementSize = 12
    /// Bytes of a leaf element: key offset (2), key size (2), flags (2), reserved (2), value size (4).
    static let leafElementSize = 12
    /// The smallest and largest page sizes the format allows (offsets within a page are 16 bits).
    static let minimumPageSize = 512
    static let maximumPageSize = 65536

    /// The first byte of the page.
    let base: UnsafeRawPointer

    @inline(__always) init(_ base: UnsafeRawPointer) { self.base = base }

    var storedChecksum: UInt32 { LittleEndian.u32(base, 0) }
    var kindValue: UInt16 { LittleEndian.u16(base, 4) }
    var kind: PageKind? { PageKind(rawValue: kindValue) }
    @inline(__always) var count: Int { Int(LittleEndian.u16(base, 6)) }
    var overflow: Int { Int(LittleEndian.u32(base, 8)) }
    var id: UInt64 { LittleEndian.u64(base, 16) }
    @inline(__always) var isBranch: Bool { LittleEndian.u16(base, 4) == PageKind.branch.rawValue }
    @inline(__always) var isLeaf: Bool { LittleEndian.u16(base, 4) == PageKind.leaf.rawValue }

    // MARK: Branch elements

    /// The child page id of branch element `i`.
    @inline(__always)
    func branchChild(_ i: Int) -> UInt64 {
        LittleEndian.u64(base, Page.headerSize &+ i &* Page.branchElementSize)
    }

    /// The key of branch element `i`: the first key of its child.
    @inline(__always)
    func branchKey(_ i: Int) -> UnsafeRawBufferPointer {
        let element = Page.headerSize &+ i &* Page.branchElementSize
        let offset = Int(LittleEndian.u16(base, element &+ 8))
        let size = Int(LittleEndian.u16(base, element &+ 10))
        return UnsafeRawBufferPointer(start: base + offset, count: size)
    }

    // MARK: Leaf elements

    @inline(__always)
    func leafKey(_ i: Int) -> UnsafeRawBufferPointer {
        let element = Page.headerSize &+ i &* Page.leafElementSize
        let offset = Int(LittleEndian.u16(base, element))
        let size = Int(LittleEndian.u16(base, element &+ 2))
        return UnsafeRawBufferPointer(start: base + offset, count: size)
    }

    @inline(__always)
    func leafFlags(_ i: Int) -> UInt16 {
        LittleEndian.u16(base, Page.headerSize &+ i &* Page.leafElementSize &+ 4)
    }

    /// The value size field of leaf element `i`: the value's length, wherever it is stored.
    @inline(__always)
    func leafValueSize(_ i: Int) -> Int {
        Int(LittleEndian.u32(base, Page.headerSize &+ i &* Page.leafElementSize &+ 8))
    }

    /// The bytes stored after the key of leaf element `i`: the inline value, the 16-byte bucket header
    /// or the 8-byte overflow page id, according to its flags.
    @inline(__always)
    func leafInline(_ i: Int) -> UnsafeRawBufferPointer {
        let element = Page.headerSize &+ i &* Page.leafElementSize
        let offset = Int(LittleEndian.u16(base, element)) &+ Int(LittleEndian.u16(base, element &+ 2))
        let flags = LittleEndian.u16(base, element &+ 4)
        let size: Int
        switch flags {
        case LeafFlags.overflow: size = 8
        case LeafFlags.bucket: size = BucketHeader.size
        default: size = Int(LittleEndian.u32(base, element &+ 8))
        }
        return UnsafeRawBufferPointer(start: base + offset, count: size)
    }

    /// The first page of the overflow run holding the value of leaf element `i` (flags
    /// ``LeafFlags/overflow``).
    @inline(__always)
    func leafOverflowPage(_ i: Int) -> UInt64 {
        let element = Page.headerSize &+ i &* Page.leafElementSize
        let offset = Int(LittleEndian.u16(base, element)) &+ Int(LittleEndian.u16(base, element &+ 2))
        return LittleEndian.u64(base, offset)
    }

    // MARK: Checks

    /// The masked CRC-32C a page run of `length` bytes at `base` should carry: everything after the
    /// checksum field itself.
    static func checksum(_ base: UnsafeRawPointer, length: Int) -> UInt32 {
        CRC32C.mask(CRC32C.checksum(UnsafeRawBufferPointer(start: base + 4, count: length - 4)))
    }

    /// Stores the checksum of the `length`-byte run at `base` into its header.
    static func seal(_ base: UnsafeMutableRawPointer, length: Int) {
        LittleEndian.store(checksum(UnsafeRawPointer(base), length: length), base, 0)
    }

    /// The used-length field of a branch or leaf page: how many bytes from its start the checksum
    /// covers. ``structureProblem(pageSize:)`` checks it against the elements, so on a page that passed
    /// it this is where the last element's data ends; the unused tail is never read and not checksummed.
    @inline(__always)
    func usedLength(pageSize: Int) -> Int {
        min(Int(LittleEndian.u32(base, 12)), pageSize)
    }

    /// Why this page is not a well-formed branch or leaf page of `pageSize` bytes, or nil if it is.
    ///
    /// Well-formed means the canonical layout every writer produces: the element array right after the
    /// header, then each element's key (and, in a leaf, its inline bytes) in element order, packed, all
    /// inside the page, and the used-length field equal to where that data ends. So the unchecked
    /// accessors above cannot read outside the page, and a leaf can be edited in place.
    func structureProblem(pageSize: Int) -> String? {
        let count = self.count
        guard overflow == 0 else { return "tree page claims \(overflow) overflow pages" }
        var expected: Int
        switch kindValue {
        case PageKind.branch.rawValue:
            guard count > 0 else { return "branch page without elements" }
            expected = Page.headerSize + count * Page.branchElementSize
            guard expected <= pageSize else { return "\(count) branch elements do not fit in the page" }
            for i in 0..<count {
                let element = Page.headerSize + i * Page.branchElementSize
                let offset = Int(LittleEndian.u16(base, element + 8))
                let size = Int(LittleEndian.u16(base, element + 10))
                guard size > 0, offset == expected, offset + size <= pageSize else {
                    return
                        "branch element \(i): key of \(size) bytes at \(offset), expected at \(expected) inside the page"
                }
                expected += size
            }
        case PageKind.leaf.rawValue:
            expected = Page.headerSize + count * Page.leafElementSize
            guard expected <= pageSize else { return "\(count) leaf elements do not fit in the page" }
            for i in 0..<count {
                let element = Page.headerSize + i * Page.leafElementSize
                let offset = Int(LittleEndian.u16(base, element))
                let size = Int(LittleEndian.u16(base, element + 2))
                let flags = LittleEndian.u16(base, element + 4)
                let valueSize = Int(LittleEndian.u32(base, element + 8))
                let inline: Int
                switch flags {
                case LeafFlags.value: inline = valueSize
                case LeafFlags.overflow: inline = 8
                case LeafFlags.bucket:
                    guard valueSize == BucketHeader.size else {
                        return "leaf element \(i): bucket header of \(valueSize) bytes"
                    }
                    inline = BucketHeader.size
                default: return "leaf element \(i): unknown flags \(flags)"
                }
                guard size > 0, offset == expected, inline <= pageSize, offset + size + inline <= pageSize else {
                    return
                        "leaf element \(i): \(size)-byte key and \(inline) bytes at \(offset), expected at \(expected) inside the page"
                }
                expected += size + inline
            }
        default:
            return "page kind 0x\(String(kindValue, radix: 16)) where a branch or leaf page was expected"
        }
        guard Int(LittleEndian.u32(base, 12)) == expected else {
            return "used-length field \(LittleEndian.u32(base, 12)) but the elements end at byte \(expected)"
        }
        return nil
    }
}
