/// The encoding of one memtable entry in arena memory, written once by ``Memtable/add`` and read in
/// place by the skiplist's comparisons and by iterators:
///
/// `varint32 internalKeyLength | userKey | fixed64(sequence << 8 | type) | varint32 valueLength | value`
///
/// The bytes are the memtable's own (never read from disk), so decoding trusts them and does no
/// bounds checks.
enum MemtableEntry {
    /// The number of bytes the entry for a key and value of these sizes takes.
    @inline(__always)
    static func encodedLength(keyCount: Int, valueCount: Int) -> Int {
        let internalKeyLength = keyCount + InternalKey.trailerSize
        return Coding.varintLength(UInt64(internalKeyLength)) + internalKeyLength
            + Coding.varintLength(UInt64(valueCount)) + valueCount
    }

    /// Writes the entry at `destination`, which has ``encodedLength(keyCount:valueCount:)`` bytes.
    @inline(__always)
    static func encode(
        into destination: UnsafeMutableRawPointer, trailer: UInt64,
        key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer
    ) {
        var p = destination
        p += Coding.storeVarint64(p, UInt64(key.count + InternalKey.trailerSize))
        if let base = key.baseAddress, key.count > 0 { p.copyMemory(from: base, byteCount: key.count) }
        p += key.count
        Coding.storeFixed64(p, trailer)
        p += InternalKey.trailerSize
        p += Coding.storeVarint64(p, UInt64(value.count))
        if let base = value.baseAddress, value.count > 0 { p.copyMemory(from: base, byteCount: value.count) }
    }

    /// Decodes a varint32 the memtable wrote itself (so it is well formed).
    @inline(__always)
    private static func decodeLength(_ pointer: UnsafeRawPointer) -> (value: Int, next: UnsafeRawPointer) {
        var byte = pointer.load(as: UInt8.self)
        if byte < 0x80 { return (Int(byte), pointer + 1) }
        var result = Int(byte & 0x7f)
        var shift = 7
        var p = pointer + 1
        repeat {
            byte = p.load(as: UInt8.self)
            p += 1
            result |= Int(byte & 0x7f) << shift
            shift += 7
        } while byte >= 0x80
        return (result, p)
    }

    /// The internal key of the entry at `entry`.
    @inline(__always)
    static func internalKey(_ entry: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        let (length, start) = decodeLength(entry)
        return UnsafeRawBufferPointer(start: start, count: length)
    }

    /// The value of the entry whose internal key is `internalKey` (as returned by ``internalKey(_:)``).
    @inline(__always)
    static func value(after internalKey: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let (length, start) = decodeLength(internalKey.baseAddress.unsafelyUnwrapped + internalKey.count)
        return UnsafeRawBufferPointer(start: start, count: length)
    }

    /// Orders the entry at `entry` against the internal key `(userKey, trailer)` by
    /// ``InternalKey/compare(_:_:)-(UnsafeRawBufferPointer,_)`` semantics: negative when the entry
    /// sorts first. Allocation free.
    @inline(__always)
    static func compare(_ entry: UnsafeRawPointer, userKey: UnsafeRawBufferPointer, trailer: UInt64) -> Int {
        let (length, start) = decodeLength(entry)
        let entryUserKeyLength = length - InternalKey.trailerSize
        let r = compareBytes(UnsafeRawBufferPointer(start: start, count: entryUserKeyLength), userKey)
        if r != 0 { return r }
        let entryTrailer = Coding.loadFixed64(start + entryUserKeyLength)
        return entryTrailer > trailer ? -1 : (entryTrailer < trailer ? 1 : 0)
    }
}
