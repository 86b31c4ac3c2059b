extension Node {
    /// A leaf node holding a copy of leaf `page` (id `id`, validated) in `buffer` (a page of the
    /// commit's dirty pages, which the image becomes when it is written), to be edited in place.
    /// Overflow values are located (and so checked) now, so that decoding later cannot fail.
    static func image(
        of page: Page, id: UInt64, space: PageSpace, parent: Node?, buffer: UnsafeMutableRawPointer
    ) throws -> Node {
        let pageSize = space.pageSize
        for i in 0..<page.count where page.leafFlags(i) == LeafFlags.overflow {
            _ = try space.overflowValue(first: page.leafOverflowPage(i), length: page.leafValueSize(i))
        }
        // Only the used part: the rest is written before it is read, or zeroed at commit.
        let used = page.usedLength(pageSize: pageSize)
        buffer.copyMemory(from: page.base, byteCount: used)
        let node = Node(isLeaf: true, pageID: id, parent: parent)
        node.setImage(buffer, space: space)
        node.byteSize = used
        return node
    }

    /// The key, stored bytes and flags of element `index` of the image; an overflow value is located in
    /// the map (it was checked when the image was made).
    func imageElement(_ index: Int, space: PageSpace) -> (
        key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: UInt16
    ) {
        guard let image else {
            let entry = entries[index]
            return (entry.key, entry.value, entry.flags)
        }
        let page = Page(image)
        let flags = page.leafFlags(index)
        if flags == LeafFlags.overflow {
            let value = UnsafeRawBufferPointer(
                start: space.address(page.leafOverflowPage(index)) + Page.headerSize, count: page.leafValueSize(index))
            return (page.leafKey(index), value, flags)
        }
        return (page.leafKey(index), page.leafInline(index), flags)
    }

    /// The overflow run (first page, value length) of image element `index`, if it has one.
    func imageOverflow(_ index: Int) -> (first: UInt64, length: Int)? {
        guard let image else { return nil }
        let page = Page(image)
        guard page.leafFlags(index) == LeafFlags.overflow else { return nil }
        return (page.leafOverflowPage(index), page.leafValueSize(index))
    }

    /// Inserts an element with `key`, an inline `value` and `flags` at `index` of the image, shifting
    /// what follows; false (changing nothing) if the page has no room for it.
    func imageInsert(
        at index: Int, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: UInt16, pageSize: Int
    )
        -> Bool
    {
        guard let image else { return false }
        let count = Page(image).count
        let used = byteSize
        let dataLength = key.count + value.count
        guard used + Page.leafElementSize + dataLength <= pageSize, count < Int(UInt16.max) else { return false }
        let elementsEnd = Page.headerSize + count * Page.leafElementSize
        let insertAt =
            index < count ? Int(LittleEndian.u16(image, Page.headerSize + index * Page.leafElementSize)) : used
        // Data of later elements moves past the new element and its data; earlier data moves past the
        // new element header; later headers move up one slot.
        (image + insertAt + Page.leafElementSize + dataLength).copyMemory(
            from: image + insertAt, byteCount: used - insertAt)
        (image + elementsEnd + Page.leafElementSize).copyMemory(
            from: image + elementsEnd, byteCount: insertAt - elementsEnd)
        let slot = Page.headerSize + index * Page.leafElementSize
        (image + slot + Page.leafElementSize).copyMemory(from: image + slot, byteCount: elementsEnd - slot)
        for i in 0...count where i != index {
            let element = Page.headerSize + i * Page.leafElementSize
            let shift = i < index ? Page.leafElementSize : Page.leafElementSize + dataLength
            LittleEndian.store(UInt16(Int(LittleEndian.u16(image, element)) + shift), image, element)
        }
        let dataAt = insertAt + Page.leafElementSize
        LittleEndian.store(UInt16(dataAt), image, slot)
        LittleEndian.store(UInt16(key.count), image, slot + 2)
        LittleEndian.store(flags, image, slot + 4)
        LittleEndian.store(UInt16(0), image, slot + 6)
        LittleEndian.store(UInt32(value.count), image, slot + 8)
        if let source = key.baseAddress { copyBytes(image + dataAt, source, count: key.count) }
        if let source = value.baseAddress { copyBytes(image + dataAt + key.count, source, count: value.count) }
        LittleEndian.store(UInt16(count + 1), image, 6)
        byteSize = used + Page.leafElementSize + dataLength
        LittleEndian.store(UInt32(byteSize), image, 12)
        if index < count { appendOnly = false }
        matchesPage = false
        return true
    }

    /// Replaces the inline value of image element `index` with `value`, which has the same length.
    func imageOverwriteValue(at index: Int, with value: UnsafeRawBufferPointer) {
        guard let image, let source = value.baseAddress else { return }
        let slot = Page.headerSize + index * Page.leafElementSize
        let dataAt = Int(LittleEndian.u16(image, slot)) + Int(LittleEndian.u16(image, slot + 2))
        copyBytes(image + dataAt, source, count: value.count)
        matchesPage = false
    }

    /// Removes element `index` of the image (whose overflow run, if any, the caller has freed).
    func imageRemove(at index: Int) {
        guard let image else { return }
        let page = Page(image)
        let count = page.count
        let used = byteSize
        let slot = Page.headerSize + index * Page.leafElementSize
        let offset = Int(LittleEndian.u16(image, slot))
        let dataLength = page.leafKey(index).count + page.leafInline(index).count
        let elementsEnd = Page.headerSize + count * Page.leafElementSize
        // Headers after the slot move down first (freeing the last header's bytes), then the data
        // before the element moves down over them, then the data after it closes the gap.
        (image + slot).copyMemory(
            from: image + slot + Page.leafElementSize, byteCount: elementsEnd - slot - Page.leafElementSize)
        (image + elementsEnd - Page.leafElementSize).copyMemory(
            from: image + elementsEnd, byteCount: offset - elementsEnd)
        (image + offset - Page.leafElementSize).copyMemory(
            from: image + offset + dataLength, byteCount: used - offset - dataLength)
        for i in 0..<(count - 1) {
            let element = Page.headerSize + i * Page.leafElementSize
            let shift = i < index ? Page.leafElementSize : Page.leafElementSize + dataLength
            LittleEndian.store(UInt16(Int(LittleEndian.u16(image, element)) - shift), image, element)
        }
        let newUsed = used - Page.leafElementSize - dataLength
        (image + newUsed).initializeMemory(as: UInt8.self, repeating: 0, count: used - newUsed)
        LittleEndian.store(UInt16(count - 1), image, 6)
        byteSize = newUsed
        LittleEndian.store(UInt32(newUsed), image, 12)
        matchesPage = false
        unbalanced = true
    }

    /// Makes the image page `id`, ready to be written as it is (the tail zeroed); returns the image
    /// and its used length. The image must not change afterwards.
    func finishImage(id: UInt64, pageSize: Int) -> (page: UnsafeMutableRawPointer, used: Int)? {
        guard let image else { return nil }
        let used = byteSize
        (image + used).initializeMemory(as: UInt8.self, repeating: 0, count: pageSize - used)
        LittleEndian.store(UInt32(0), image, 0)
        LittleEndian.store(id, image, 16)
        return (image, used)
    }

    /// The first key (the node must not be empty).
    var firstKey: UnsafeRawBufferPointer {
        if let image { return Page(image).leafKey(0) }
        return entries[0].key
    }
}
