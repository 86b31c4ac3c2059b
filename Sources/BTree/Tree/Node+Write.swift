extension Node {
    /// How to cut the entries into pages of `pageSize` bytes: one range per page.
    ///
    /// A node that fits stays whole. A node that only grew at its end (a sequential load) fills each
    /// page as far as it goes, so such loads produce full pages. Otherwise the entries are spread
    /// evenly over the fewest pages that hold them, the classic B-tree split. Every entry is at most a
    /// quarter page (``BTreeDB/maxKeySize`` and the inline value limit see to that), so every piece
    /// but the last of an append-only split is at least three quarters full, and every piece of an even
    /// split is at least half full.
    func splitRanges(pageSize: Int) -> [Range<Int>] {
        if byteSize <= pageSize || entries.count <= 1 { return [0..<entries.count] }
        let capacity = pageSize - Page.headerSize
        let sizes = entries.map { encodedSize($0) }
        let total = sizes.reduce(0, +)
        guard total > capacity, entries.count > 1 else { return [0..<entries.count] }
        if appendOnly {
            var ranges: [Range<Int>] = []
            var start = 0
            var filled = 0
            for (i, size) in sizes.enumerated() {
                if filled + size > capacity && i > start {
                    ranges.append(start..<i)
                    start = i
                    filled = 0
                }
                filled += size
            }
            ranges.append(start..<entries.count)
            return ranges
        }
        var pieces = (total + capacity - 1) / capacity
        while true {
            let target = (total + pieces - 1) / pieces
            var ranges: [Range<Int>] = []
            var start = 0
            var filled = 0
            var fits = true
            for (i, size) in sizes.enumerated() {
                if i > start && (filled + size > capacity || (filled >= target && pieces - ranges.count > 1)) {
                    ranges.append(start..<i)
                    start = i
                    filled = 0
                }
                filled += size
            }
            if filled > capacity { fits = false }
            ranges.append(start..<entries.count)
            if fits { return ranges }
            pieces += 1
        }
    }

    /// Encodes `entries[range]` as the one-page branch or leaf page `id` at `buffer` (`pageSize`
    /// bytes), without the checksum. Leaf entries with an overflow value must already have their run's
    /// page id.
    ///
    /// Keys and values are copied in runs: entries read from one page sit back to back there, so most
    /// of a node is a handful of large copies rather than two small ones per entry. Returns the used
    /// length: the end of the last element's data.
    @discardableResult
    func write(_ range: Range<Int>, id: UInt64, to buffer: UnsafeMutableRawPointer, pageSize: Int) -> Int {
        let count = range.count
        let isLeaf = self.isLeaf
        LittleEndian.store(UInt32(0), buffer, 0)
        LittleEndian.store(isLeaf ? PageKind.leaf.rawValue : PageKind.branch.rawValue, buffer, 4)
        LittleEndian.store(UInt16(count), buffer, 6)
        LittleEndian.store(UInt32(0), buffer, 8)
        LittleEndian.store(UInt32(0), buffer, 12)
        LittleEndian.store(id, buffer, 16)
        let elementSize = isLeaf ? Page.leafElementSize : Page.branchElementSize
        var data = Page.headerSize + count * elementSize
        var element = Page.headerSize
        // The pending run of source bytes: `runLength` bytes at `runSource`, going to `runTarget`.
        var runSource = UnsafeRawPointer(bitPattern: 1)!
        var runTarget = data
        var runLength = 0
        @inline(__always) func append(_ source: UnsafeRawPointer, _ length: Int) {
            if runLength > 0 && source == runSource + runLength {
                runLength &+= length
            } else {
                if runLength > 0 { copyBytes(buffer + runTarget, runSource, count: runLength) }
                runSource = source
                runTarget = data
                runLength = length
            }
            data &+= length
        }
        entries.withUnsafeBufferPointer { entries in
            for index in range {
                let entry = entries[index]
                let keySize = entry.key.count
                if isLeaf {
                    LittleEndian.store(UInt16(data), buffer, element)
                    LittleEndian.store(UInt16(keySize), buffer, element + 2)
                    LittleEndian.store(entry.flags, buffer, element + 4)
                    LittleEndian.store(UInt16(0), buffer, element + 6)
                    LittleEndian.store(UInt32(entry.value.count), buffer, element + 8)
                } else {
                    LittleEndian.store(entry.pageID, buffer, element)
                    LittleEndian.store(UInt16(data), buffer, element + 8)
                    LittleEndian.store(UInt16(keySize), buffer, element + 10)
                }
                if let source = entry.key.baseAddress { append(source, keySize) }
                if isLeaf {
                    if entry.flags == LeafFlags.overflow {
                        if runLength > 0 { copyBytes(buffer + runTarget, runSource, count: runLength) }
                        runLength = 0
                        LittleEndian.store(entry.pageID, buffer, data)
                        data &+= 8
                    } else if let source = entry.value.baseAddress {
                        append(source, entry.value.count)
                    }
                }
                element &+= elementSize
            }
        }
        if runLength > 0 { copyBytes(buffer + runTarget, runSource, count: runLength) }
        if data < pageSize {
            (buffer + data).initializeMemory(as: UInt8.self, repeating: 0, count: pageSize - data)
        }
        LittleEndian.store(UInt32(data), buffer, 12)
        return data
    }
}
