/// A position inside a ``Block``: the decoder shared by ``BlockIterator``, ``TableIterator`` and
/// ``Table/get(_:verifyChecksums:)``.
///
/// It is a struct so that a point lookup can seek on stack state, with no allocation and no dynamic
/// exclusivity checks. The owner keeps the block alive while the cursor reads it (the cursor holds
/// only a raw pointer) and calls ``releaseScratch()`` when done.
///
/// Keys are prefix-compressed, so the current key is reassembled in a scratch buffer: memory the
/// caller lends (a stack buffer) or that the cursor allocates, grown on the heap when a key does not
/// fit. Values are read in place. Malformed bytes set ``failure`` and leave the cursor invalid; every
/// later positioning call then does nothing.
struct BlockCursor {
    private var data: UnsafeRawPointer
    /// Where the entries end and the restart array starts.
    private var restartOffset: Int
    private var restartCount: Int
    /// Offset of the current entry; `restartOffset` when the cursor is not on an entry.
    private var current: Int
    /// Offset of the entry after the current one.
    private var nextEntry: Int
    /// The last restart point at or before the current entry.
    private var restartIndex: Int
    private var valueStart = 0
    private var valueLength = 0
    private var keyBase: UnsafeMutableRawPointer
    private var keyCapacity: Int
    /// Whether `keyBase` was allocated by the cursor (and must be freed by it).
    private var keyOnHeap: Bool
    private var keyLength = 0
    /// Why decoding stopped, when the block turned out malformed.
    private(set) var failure: StaticString?

    /// A cursor on `block`, not yet positioned. `scratch`, when given, is borrowed for the key and
    /// must outlive the cursor; otherwise the cursor allocates its own.
    init(block: Block, scratch: UnsafeMutableRawBufferPointer? = nil) {
        data = block.data
        restartOffset = block.restartOffset
        restartCount = block.restartCount
        current = block.restartOffset
        nextEntry = block.restartOffset
        restartIndex = block.restartCount
        if let scratch, let base = scratch.baseAddress, scratch.count >= 16 {
            keyBase = base
            keyCapacity = scratch.count
            keyOnHeap = false
        } else {
            keyCapacity = 64
            keyBase = UnsafeMutableRawPointer.allocate(byteCount: keyCapacity, alignment: 8)
            keyOnHeap = true
        }
    }

    /// Moves the cursor to another block, keeping its scratch memory and clearing any failure.
    mutating func repoint(to block: Block) {
        data = block.data
        restartOffset = block.restartOffset
        restartCount = block.restartCount
        current = block.restartOffset
        nextEntry = block.restartOffset
        restartIndex = block.restartCount
        keyLength = 0
        failure = nil
    }

    /// Frees scratch memory the cursor allocated. The cursor must not be used afterwards.
    mutating func releaseScratch() {
        if keyOnHeap { keyBase.deallocate() }
        keyOnHeap = false
        keyCapacity = 0
        keyLength = 0
        current = restartOffset
        nextEntry = restartOffset
    }

    /// Whether the cursor is on an entry.
    @inline(__always)
    var isValid: Bool { current < restartOffset }

    /// The current key. Requires ``isValid``.
    @inline(__always)
    var key: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: keyBase, count: keyLength) }

    /// The current value, in the block's memory. Requires ``isValid``.
    @inline(__always)
    var value: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: data + valueStart, count: valueLength) }

    /// Positions at the first entry.
    mutating func seekToFirst() {
        guard failure == nil, checkHasRestarts() else { return }
        seekToRestart(0)
        parseNext()
    }

    /// Moves to the next entry. Requires ``isValid``.
    mutating func next() {
        parseNext()
    }

    /// Positions at the first entry whose internal key is at or after `target`.
    ///
    /// Binary search over the restart points finds the last one whose key is before `target`, then
    /// entries are decoded forward from it. When the cursor is already on an entry, that entry bounds
    /// the search, and a seek forward within the same restart interval continues from it.
    mutating func seek(_ target: UnsafeRawBufferPointer) {
        guard failure == nil, checkHasRestarts() else { return }
        var left = 0
        var right = restartCount - 1
        var currentOrder = 0
        if isValid {
            currentOrder = InternalKey.compare(key, target)
            if currentOrder < 0 {
                left = restartIndex
            } else if currentOrder > 0 {
                right = restartIndex
            } else {
                return
            }
        }
        while left < right {
            let mid = (left + right + 1) >> 1
            guard let midKey = restartKey(mid) else { return }
            if InternalKey.compare(midKey, target) < 0 {
                left = mid
            } else {
                right = mid - 1
            }
        }
        if !(left == restartIndex && currentOrder < 0) {
            seekToRestart(left)
        }
        while true {
            parseNext()
            if !isValid || InternalKey.compare(key, target) >= 0 { return }
        }
    }

    // MARK: - Decoding

    /// A block without restart points can hold no entries; one that claims entries is malformed.
    @inline(__always)
    private mutating func checkHasRestarts() -> Bool {
        if restartCount > 0 { return true }
        if restartOffset > 0 {
            markCorrupt("entries without restart points")
        } else {
            current = restartOffset
        }
        return false
    }

    @inline(__always)
    private func restartPoint(_ index: Int) -> Int {
        Int(Coding.loadFixed32(data + (restartOffset + 4 * index)))
    }

    /// Prepares to decode from restart point `index` (the next parse reads its full key).
    private mutating func seekToRestart(_ index: Int) {
        let offset = restartPoint(index)
        guard offset <= restartOffset else {
            markCorrupt("restart point past the end of the entries")
            return
        }
        keyLength = 0
        restartIndex = index
        nextEntry = offset
        current = restartOffset
    }

    /// The full key stored at restart point `index`, in the block's memory, or `nil` (and the cursor
    /// marked corrupt) when the entry there is malformed or not a restart entry.
    private mutating func restartKey(_ index: Int) -> UnsafeRawBufferPointer? {
        let offset = restartPoint(index)
        guard offset < restartOffset,
            let header = decodeHeader(at: offset), header.shared == 0,
            header.nonShared >= InternalKey.trailerSize
        else {
            markCorrupt("malformed entry at a restart point")
            return nil
        }
        return UnsafeRawBufferPointer(start: data + header.keyStart, count: header.nonShared)
    }

    /// Decodes the header of the entry at `offset` and checks that its key delta and value lie
    /// within the entries area.
    @inline(__always)
    private func decodeHeader(at offset: Int) -> BlockEntryHeader? {
        BlockEntryHeader.decode(data, at: offset, limit: restartOffset)
    }

    /// Decodes the entry at `nextEntry` into the key scratch and value range, or leaves the cursor
    /// invalid at the end of the entries.
    private mutating func parseNext() {
        current = nextEntry
        guard current < restartOffset else {
            current = restartOffset
            restartIndex = restartCount
            return
        }
        guard let header = decodeHeader(at: current), header.shared <= keyLength else {
            markCorrupt("malformed entry")
            return
        }
        let length = header.shared + header.nonShared
        guard length >= InternalKey.trailerSize else {
            markCorrupt("key shorter than its 8-byte trailer")
            return
        }
        if length > keyCapacity { growScratch(to: length) }
        (keyBase + header.shared).copyMemory(from: data + header.keyStart, byteCount: header.nonShared)
        keyLength = length
        valueStart = header.valueStart
        valueLength = header.valueLength
        nextEntry = header.end
        while restartIndex + 1 < restartCount && restartPoint(restartIndex + 1) <= current {
            restartIndex += 1
        }
    }

    /// Replaces the scratch with a larger heap buffer, keeping the current key's bytes.
    private mutating func growScratch(to needed: Int) {
        var capacity = max(keyCapacity * 2, 64)
        while capacity < needed { capacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        grown.copyMemory(from: keyBase, byteCount: keyLength)
        if keyOnHeap { keyBase.deallocate() }
        keyBase = grown
        keyCapacity = capacity
        keyOnHeap = true
    }

    private mutating func markCorrupt(_ reason: StaticString) {
        failure = reason
        current = restartOffset
        nextEntry = restartOffset
        restartIndex = restartCount
        keyLength = 0
    }
}
