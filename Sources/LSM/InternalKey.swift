/// What an entry in the memtable, the WAL or a table records for its key.
enum ValueType: UInt8 {
    /// A tombstone: the key was deleted at this sequence number.
    case deletion = 0
    /// A put of a value.
    case value = 1
}

/// Internal keys: `userKey | fixed64(sequence << 8 | type)`, the key format of the memtable and of
/// every table. They sort by user key ascending, then by sequence number descending, so that a seek
/// to `(key, s)` lands on the newest version of `key` visible at sequence `s`.
enum InternalKey {
    /// The largest sequence number: 56 bits, the top of the 64-bit trailer.
    static let maxSequence: UInt64 = (1 << 56) - 1
    /// The size of the trailer after the user key.
    static let trailerSize = 8

    @inline(__always)
    static func packTrailer(sequence: UInt64, type: ValueType) -> UInt64 {
        (sequence << 8) | UInt64(type.rawValue)
    }

    /// Appends the internal key for `(userKey, sequence, type)` to `buffer`.
    @inline(__always)
    static func append(
        _ buffer: inout [UInt8], userKey: UnsafeRawBufferPointer, sequence: UInt64, type: ValueType
    ) {
        buffer.append(contentsOf: userKey)
        Coding.appendFixed64(&buffer, packTrailer(sequence: sequence, type: type))
    }

    /// A new internal key for `(userKey, sequence, type)`.
    static func make(_ userKey: [UInt8], sequence: UInt64, type: ValueType) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(userKey.count + trailerSize)
        userKey.withUnsafeBytes { append(&buffer, userKey: $0, sequence: sequence, type: type) }
        return buffer
    }

    /// The user key part of an internal key (which must be at least 8 bytes long).
    @inline(__always)
    static func userKey(_ internalKey: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: internalKey[0..<(internalKey.count - trailerSize)])
    }

    /// The packed `sequence << 8 | type` trailer of an internal key.
    @inline(__always)
    static func trailer(_ internalKey: UnsafeRawBufferPointer) -> UInt64 {
        Coding.loadFixed64(internalKey.baseAddress! + (internalKey.count - trailerSize))
    }

    @inline(__always)
    static func sequence(_ internalKey: UnsafeRawBufferPointer) -> UInt64 {
        trailer(internalKey) >> 8
    }

    /// The entry's type, or `nil` for a byte that is neither a put nor a tombstone (corruption).
    @inline(__always)
    static func type(_ internalKey: UnsafeRawBufferPointer) -> ValueType? {
        ValueType(rawValue: UInt8(truncatingIfNeeded: trailer(internalKey)))
    }

    /// Orders internal keys: user key ascending, then trailer (sequence, type) descending.
    @inline(__always)
    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let r = compareBytes(userKey(a), userKey(b))
        if r != 0 { return r }
        let ta = trailer(a)
        let tb = trailer(b)
        return ta > tb ? -1 : (ta < tb ? 1 : 0)
    }

    /// Orders two internal keys held in arrays.
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in compare(pa, pb) } }
    }
}
