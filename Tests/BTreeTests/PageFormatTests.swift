import Testing

@testable import BTree

/// Unit tests of the internal page, meta, node and freelist code.
@Suite("Page format, nodes and freelist")
struct PageFormatTests {
    /// A zeroed, page-aligned buffer of `pages` pages of `pageSize` bytes.
    final class Buffer {
        let pointer: UnsafeMutableRawPointer
        let count: Int
        init(pageSize: Int, pages: Int = 1) {
            count = pageSize * pages
            pointer = .allocate(byteCount: count, alignment: pageSize)
            pointer.initializeMemory(as: UInt8.self, repeating: 0, count: count)
        }
        deinit { pointer.deallocate() }
        var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: pointer, count: count) }
    }

    @Test("meta pages round-trip, and any flipped byte makes them invalid")
    func metaRoundTrip() {
        let buffer = Buffer(pageSize: 4096)
        let meta = Meta(
            pageSize: 4096, root: BucketHeader(root: 9, sequence: 3), freelist: 12, pageCount: 40, txid: 77)
        meta.write(to: buffer.pointer, slot: 1)
        #expect(Meta.claimedPageSize(buffer.bytes) == 4096)
        #expect(Meta.decode(buffer.bytes, slot: 1, pageSize: 4096) == .success(meta))
        #expect(Meta.decode(buffer.bytes, slot: 0, pageSize: 4096) != .success(meta), "wrong slot")
        for offset in [0, 5, 30, 45, 60, 75, 2000, 4095] {
            buffer.pointer.storeBytes(of: buffer.bytes[offset] ^ 0x10, toByteOffset: offset, as: UInt8.self)
            if case .success = Meta.decode(buffer.bytes, slot: 1, pageSize: 4096) {
                Issue.record("damage at byte \(offset) went unnoticed")
            }
            buffer.pointer.storeBytes(of: buffer.bytes[offset] ^ 0x10, toByteOffset: offset, as: UInt8.self)
        }
        #expect(Meta.isValidPageSize(512) && Meta.isValidPageSize(65536))
        #expect(!Meta.isValidPageSize(1000) && !Meta.isValidPageSize(256) && !Meta.isValidPageSize(131_072))
    }

    @Test("a leaf node written to a page reads back the same, and the structure check accepts it")
    func nodeRoundTrip() {
        let pageSize = 1024
        let buffer = Buffer(pageSize: pageSize)
        let keys = (0..<20).map { Array(($0 < 10 ? "key0\($0)" : "key\($0)").utf8) }
        let values = (0..<20).map { [UInt8](repeating: UInt8($0), count: $0 * 3) }
        let node = Node(isLeaf: true, pageID: 0, parent: nil)
        withExtendedLifetime((keys, values)) {
            for i in 0..<20 {
                let key = keys[i].withUnsafeBytes { $0 }
                let value = values[i].withUnsafeBytes { $0 }
                node.insert(NodeEntry(key: key, value: value, flags: LeafFlags.value), at: i)
            }
            #expect(node.byteSize == node.encodedSize)
            let used = node.write(0..<20, id: 5, to: buffer.pointer, pageSize: pageSize)
            let page = Page(buffer.pointer)
            #expect(page.structureProblem(pageSize: pageSize) == nil)
            #expect(page.usedLength(pageSize: pageSize) == used)
            #expect(used == node.encodedSize)
            Page.seal(buffer.pointer, length: used)
            #expect(Page.checksum(page.base, length: page.usedLength(pageSize: pageSize)) == page.storedChecksum)
            #expect(page.isLeaf && page.count == 20 && page.id == 5)
            for i in 0..<20 {
                #expect(Array(page.leafKey(i)) == keys[i])
                #expect(Array(page.leafInline(i)) == values[i])
                #expect(PageSearch.leaf(page, keys[i].withUnsafeBytes { $0 }) == (i, true))
            }
            // A key offset pointing past the page is caught.
            LittleEndian.store(UInt16(1020), buffer.pointer, Page.headerSize + 12 * 3)
            #expect(page.structureProblem(pageSize: pageSize) != nil)
        }
    }

    @Test("in-place inserts and removes on a leaf's page image keep it a valid page matching a model")
    func imageEdits() throws {
        let pageSize = 1024
        let directory = TemporaryDirectory("btree-image")
        defer { directory.cleanup() }
        // A real map to satisfy the image's page space; the image itself lives in an arena.
        let db = try BTreeDB(path: directory.database, options: smallPageOptions(pageSize))
        try db.view { tx in
            let buffer = Buffer(pageSize: pageSize)
            let imageBuffer = Buffer(pageSize: pageSize)
            let empty = Node(isLeaf: true, pageID: 0, parent: nil)
            empty.write(0..<0, id: 3, to: buffer.pointer, pageSize: pageSize)
            let node = try Node.image(
                of: Page(buffer.pointer), id: 3, space: tx.space, parent: nil, buffer: imageBuffer.pointer)
            var model: [([UInt8], [UInt8])] = []
            var random = SeededGenerator(seed: testSeed(default: 5))
            for step in 0..<3000 {
                let context = "step \(step), seed \(testSeed(default: 5))"
                if model.isEmpty || Bool.random(using: &random) {
                    let key = (0..<Int.random(in: 1...12, using: &random)).map { _ in
                        UInt8.random(in: 97...100, using: &random)
                    }
                    let value = (0..<Int.random(in: 0...40, using: &random)).map { _ in
                        UInt8.random(in: 0...255, using: &random)
                    }
                    let index = model.firstIndex { !$0.0.lexicographicallyPrecedes(key) } ?? model.count
                    if index < model.count && model[index].0 == key { continue }
                    let fitted = key.withUnsafeBytes { k in
                        value.withUnsafeBytes { v in
                            node.imageInsert(at: index, key: k, value: v, flags: LeafFlags.value, pageSize: pageSize)
                        }
                    }
                    if fitted {
                        model.insert((key, value), at: index)
                    } else {
                        #expect(node.byteSize + 12 + key.count + value.count > pageSize)
                    }
                } else {
                    let index = Int.random(in: 0..<model.count, using: &random)
                    node.imageRemove(at: index)
                    model.remove(at: index)
                }
                let page = Page(try #require(node.image))
                try #require(page.structureProblem(pageSize: pageSize) == nil, "\(context)")
                try #require(page.usedLength(pageSize: pageSize) == node.byteSize, "\(context)")
                try #require(page.count == model.count, "\(context)")
                for (i, (key, value)) in model.enumerated() {
                    try #require(Array(page.leafKey(i)) == key && Array(page.leafInline(i)) == value, "\(context)")
                }
            }
            node.decodeImage()
            #expect(node.entries.map { Array($0.key) } == model.map(\.0))
            #expect(node.encodedSize == node.byteSize)
        }
        try db.close()
    }

    @Test("splits: append-only nodes fill pages, others spread evenly, no piece exceeds a page")
    func splitRanges() {
        let pageSize = 1024
        let key = [UInt8](repeating: 0x41, count: 20)
        let value = [UInt8](repeating: 0x42, count: 60)
        withExtendedLifetime((key, value)) {
            let k = key.withUnsafeBytes { $0 }
            let v = value.withUnsafeBytes { $0 }
            let node = Node(isLeaf: true, pageID: 0, parent: nil)
            for i in 0..<100 { node.insert(NodeEntry(key: k, value: v, flags: LeafFlags.value), at: i) }
            let entry = Page.leafElementSize + 80
            let perPage = (pageSize - Page.headerSize) / entry
            #expect(node.appendOnly)
            let full = node.splitRanges(pageSize: pageSize)
            #expect(full.dropLast().allSatisfy { $0.count == perPage })
            #expect(full.reduce(0) { $0 + $1.count } == 100)
            node.appendOnly = false
            let even = node.splitRanges(pageSize: pageSize)
            #expect(even.count == full.count)
            #expect(even.allSatisfy { $0.count * entry + Page.headerSize <= pageSize })
            #expect((even.map(\.count).max() ?? 0) - (even.map(\.count).min() ?? 0) <= 2)
        }
    }

    @Test("freelist: lowest pages first, contiguous runs, pending pages released by transaction id")
    func freelist() {
        var list = Freelist(ids: [9, 3, 4, 5, 12, 13, 14, 15])
        #expect(list.allocate(1) == 3)
        #expect(list.allocate(3) == 12, "4, 5 is too short a run; 12...14 is the first run of three")
        #expect(list.allocate(4) == nil)
        #expect(list.allIDs() == [4, 5, 9, 15])
        list.free(txid: 10, first: 20, count: 2)
        list.free(txid: 11, first: 30, count: 1)
        #expect(list.pendingCount == 3 && list.freeCount == 4)
        #expect(list.allIDs() == [4, 5, 9, 15, 20, 21, 30], "pending pages are stored as free")
        list.release(upTo: 10)
        #expect(list.freeCount == 6 && list.pendingCount == 1)
        #expect(list.allocate(2) == 4)
        #expect(list.allocate(2) == 20)
        list.release(upTo: UInt64.max)
        #expect(list.allIDs() == [9, 15, 30])
        #expect(Freelist.pagesNeeded(count: 0, pageSize: 512) == 1)
        #expect(Freelist.pagesNeeded(count: 60, pageSize: 512) == 1, "24 + 8 + 60 * 8 = 512 bytes")
        #expect(Freelist.pagesNeeded(count: 61, pageSize: 512) == 2)
    }

    @Test("byte comparison orders bytewise with prefixes first")
    func comparison() {
        func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
            a.withUnsafeBytes { x in b.withUnsafeBytes { y in compareBytes(x, y) } }
        }
        var random = SeededGenerator(seed: testSeed(default: 99))
        for _ in 0..<2000 {
            let a = (0..<Int.random(in: 0...20, using: &random)).map { _ in UInt8.random(in: 0...3, using: &random) * 85
            }
            let b = (0..<Int.random(in: 0...20, using: &random)).map { _ in UInt8.random(in: 0...3, using: &random) * 85
            }
            let expected = a.lexicographicallyPrecedes(b) ? -1 : (a == b ? 0 : 1)
            #expect(compare(a, b).signum() == expected, "\(a) vs \(b)")
        }
    }

    @Test("the software CRC-32C agrees with the hardware one and the standard check value")
    func checksums() {
        let text = Array("123456789".utf8)
        text.withUnsafeBytes { bytes in
            #expect(CRC32C.softwareChecksum(bytes) == 0xE306_9283)
            #expect(CRC32C.checksum(bytes) == 0xE306_9283)
        }
        // The hardware path cuts long buffers into blocks of three interleaved stripes: every length
        // and alignment around the block sizes must agree with the plain table loop.
        let seed = testSeed(default: 7)
        var random = SeededGenerator(seed: seed)
        let data = (0..<9000).map { _ in UInt8.random(in: 0...255, using: &random) }
        data.withUnsafeBytes { all in
            for _ in 0..<400 {
                let start = Int.random(in: 0..<16, using: &random)
                let count = Int.random(in: 0...(all.count - start), using: &random)
                let bytes = UnsafeRawBufferPointer(rebasing: all[start..<start + count])
                #expect(
                    CRC32C.checksum(bytes) == CRC32C.softwareChecksum(bytes),
                    "\(count) bytes at offset \(start) (seed \(seed))")
            }
        }
    }
}
