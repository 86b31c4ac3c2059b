/// A group of puts and deletes that ``LSMStore/write(_:sync:)`` applies atomically: after a crash
/// either all of them are there or none is.
///
/// Operations apply in the order they were added, so a later put of a key wins over an earlier one.
///
/// ```swift
/// var batch = WriteBatch()
/// batch.put([UInt8]("a".utf8), [UInt8]("1".utf8))
/// batch.delete([UInt8]("b".utf8))
/// try db.write(batch, sync: true)
/// ```
public struct WriteBatch: Sendable {
    /// The encoded batch, which is also its WAL record:
    /// `fixed64 sequence | fixed32 count | record*`, each record
    /// `type (1 = put, 0 = delete) | varint keyLength | key [| varint valueLength | value]`.
    var representation: [UInt8]

    static let headerSize = 12

    /// Creates an empty batch.
    public init() {
        representation = [UInt8](repeating: 0, count: WriteBatch.headerSize)
    }

    /// An empty batch whose buffer already holds `bytes` more bytes: a one-put batch would otherwise
    /// grow its array several times on the hottest path.
    init(reservingCapacity bytes: Int) {
        // One allocation with the zeroed header written in place (appending a repeated element goes
        // through a generic per-element loop that showed up in the write path's profile).
        representation = [UInt8](unsafeUninitializedCapacity: WriteBatch.headerSize + max(0, bytes)) { buffer, count in
            buffer.baseAddress?.initialize(repeating: 0, count: WriteBatch.headerSize)
            count = WriteBatch.headerSize
        }
    }

    /// The bytes a put of a key and value of these sizes adds to a batch.
    static func putSize(keyCount: Int, valueCount: Int) -> Int {
        1 + Coding.varintLength(UInt64(keyCount)) + keyCount + Coding.varintLength(UInt64(valueCount)) + valueCount
    }

    /// Adds a put of `value` under `key`, copying both from memory the caller owns (no arrays
    /// needed: for callers whose keys and values already live in buffers).
    public mutating func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        representation.append(ValueType.value.rawValue)
        Coding.appendLengthPrefixed(&representation, key)
        Coding.appendLengthPrefixed(&representation, value)
        count += 1
    }

    /// Adds a delete of `key`, copying it from memory the caller owns.
    public mutating func delete(_ key: UnsafeRawBufferPointer) {
        representation.append(ValueType.deletion.rawValue)
        Coding.appendLengthPrefixed(&representation, key)
        count += 1
    }

    /// Adds a put of `value` under `key`.
    public mutating func put(_ key: [UInt8], _ value: [UInt8]) {
        representation.append(ValueType.value.rawValue)
        Coding.appendLengthPrefixed(&representation, key)
        Coding.appendLengthPrefixed(&representation, value)
        count += 1
    }

    /// Adds a delete of `key`; deleting a key that does not exist is not an error.
    public mutating func delete(_ key: [UInt8]) {
        representation.append(ValueType.deletion.rawValue)
        Coding.appendLengthPrefixed(&representation, key)
        count += 1
    }

    /// Removes every operation.
    public mutating func clear() {
        representation.removeAll(keepingCapacity: true)
        representation.append(contentsOf: repeatElement(0, count: WriteBatch.headerSize))
    }

    /// The number of operations in the batch.
    public private(set) var count: Int {
        get { representation.withUnsafeBytes { Int(Coding.loadFixed32($0.baseAddress! + 8)) } }
        set {
            representation.withUnsafeMutableBytes { Coding.storeFixed32($0.baseAddress! + 8, UInt32(newValue)) }
        }
    }

    /// The size of the encoded batch in bytes, which is about what it adds to the WAL.
    public var approximateSize: Int { representation.count }

    /// Appends every operation of `other` to this batch.
    public mutating func append(contentsOf other: WriteBatch) {
        representation.append(contentsOf: other.representation[WriteBatch.headerSize...])
        count += other.count
    }

    /// The sequence number of the first operation, set when the batch is written.
    var sequence: UInt64 {
        get { representation.withUnsafeBytes { Coding.loadFixed64($0.baseAddress!) } }
        set { representation.withUnsafeMutableBytes { Coding.storeFixed64($0.baseAddress!, newValue) } }
    }

    /// Creates a batch from its encoding (a WAL record), checking that it parses.
    init(decoding bytes: [UInt8]) throws {
        guard bytes.count >= WriteBatch.headerSize else { throw WriteBatchDecodingError(reason: "batch too short") }
        representation = bytes
        var seen = 0
        try forEach { _, _, _ in seen += 1 }
        guard seen == count else {
            throw WriteBatchDecodingError(reason: "batch says \(count) records but holds \(seen)")
        }
    }

    /// Decodes the WAL record that starts at `offset` of the log at `path`, turning a malformed
    /// batch into ``LSMError/corruption(file:offset:reason:)``.
    init(logRecord record: [UInt8], path: String, offset: Int64) throws {
        do {
            try self.init(decoding: record)
        } catch let error as WriteBatchDecodingError {
            throw LSMError.corruption(file: path, offset: offset, reason: error.reason)
        }
    }

    /// Calls `body` for each operation in order with its type, key and value (empty for a delete).
    /// The buffers are valid only during the call.
    func forEach(
        _ body: (ValueType, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try representation.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            _ = reader.readBytes(WriteBatch.headerSize)
            while !reader.isAtEnd {
                guard let tag = reader.readByte(), let type = ValueType(rawValue: tag) else {
                    throw WriteBatchDecodingError(reason: "unknown record type at offset \(reader.offset - 1)")
                }
                guard let key = reader.readLengthPrefixed() else {
                    throw WriteBatchDecodingError(reason: "truncated key at offset \(reader.offset)")
                }
                var value = UnsafeRawBufferPointer(start: nil, count: 0)
                if type == .value {
                    guard let v = reader.readLengthPrefixed() else {
                        throw WriteBatchDecodingError(reason: "truncated value at offset \(reader.offset)")
                    }
                    value = v
                }
                try body(type, key, value)
            }
        }
    }
}

/// Why bytes that should hold a ``WriteBatch`` do not parse.
struct WriteBatchDecodingError: Error {
    var reason: String
}
