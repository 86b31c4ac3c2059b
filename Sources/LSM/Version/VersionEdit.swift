/// A change to the set of live files and to the store's counters, as LevelDB's `VersionEdit`: the
/// payload of one manifest record. The first record of a manifest is an edit describing the whole
/// state (a snapshot); each later one describes a flush or a compaction.
///
/// Encoded as a sequence of tagged fields, `varint32 tag | payload`, specified byte by byte in
/// `doc/manifest_format.md`. Absent optional fields are not encoded; a field that appears twice keeps
/// its last value.
struct VersionEdit: Sendable, Equatable {
    /// The field tags. The numbers are LevelDB's; its tags 8 (large value refs) and 9 (previous log
    /// number) do not exist here and, like any other unknown tag, are corruption.
    enum Tag: UInt32 {
        case comparator = 1
        case logNumber = 2
        case nextFileNumber = 3
        case lastSequence = 4
        case compactPointer = 5
        case deletedFile = 6
        case newFile = 7
    }

    /// Levels are `0..<levelCount`; an edit naming another level is corruption.
    static let levelCount = 7

    /// The name of the key comparator the store was created with.
    var comparatorName: String?
    /// WAL files numbered below this one hold nothing the tables do not.
    var logNumber: UInt64?
    /// The next unused file number.
    var nextFileNumber: UInt64?
    /// The largest sequence number in the tables.
    var lastSequence: UInt64?
    /// Per level, the internal key where the next compaction of that level starts.
    var compactPointers: [(level: Int, key: [UInt8])] = []
    /// Table files that leave a level.
    var deletedFiles: [(level: Int, number: UInt64)] = []
    /// Table files that enter a level.
    var newFiles: [(level: Int, file: FileMetaData)] = []

    static func == (lhs: VersionEdit, rhs: VersionEdit) -> Bool {
        lhs.comparatorName == rhs.comparatorName && lhs.logNumber == rhs.logNumber
            && lhs.nextFileNumber == rhs.nextFileNumber && lhs.lastSequence == rhs.lastSequence
            && lhs.compactPointers.elementsEqual(rhs.compactPointers) { $0.level == $1.level && $0.key == $1.key }
            && lhs.deletedFiles.elementsEqual(rhs.deletedFiles) { $0.level == $1.level && $0.number == $1.number }
            && lhs.newFiles.elementsEqual(rhs.newFiles) { $0.level == $1.level && $0.file == $1.file }
    }

    /// Records that the next compaction of `level` starts after internal key `key`.
    mutating func setCompactPointer(level: Int, key: [UInt8]) {
        compactPointers.append((level, key))
    }

    /// Records that table `number` leaves `level`.
    mutating func deleteFile(level: Int, number: UInt64) {
        deletedFiles.append((level, number))
    }

    /// Records that `file` enters `level`.
    mutating func addFile(level: Int, file: FileMetaData) {
        newFiles.append((level, file))
    }

    /// The edit's bytes: its fields in tag order, compact pointers, deleted and new files in the order
    /// they were added.
    func encode() -> [UInt8] {
        var bytes: [UInt8] = []
        if let comparatorName {
            Coding.appendVarint32(&bytes, Tag.comparator.rawValue)
            Coding.appendLengthPrefixed(&bytes, Array(comparatorName.utf8))
        }
        if let logNumber {
            Coding.appendVarint32(&bytes, Tag.logNumber.rawValue)
            Coding.appendVarint64(&bytes, logNumber)
        }
        if let nextFileNumber {
            Coding.appendVarint32(&bytes, Tag.nextFileNumber.rawValue)
            Coding.appendVarint64(&bytes, nextFileNumber)
        }
        if let lastSequence {
            Coding.appendVarint32(&bytes, Tag.lastSequence.rawValue)
            Coding.appendVarint64(&bytes, lastSequence)
        }
        for (level, key) in compactPointers {
            Coding.appendVarint32(&bytes, Tag.compactPointer.rawValue)
            Self.appendLevel(&bytes, level)
            Coding.appendLengthPrefixed(&bytes, key)
        }
        for (level, number) in deletedFiles {
            Coding.appendVarint32(&bytes, Tag.deletedFile.rawValue)
            Self.appendLevel(&bytes, level)
            Coding.appendVarint64(&bytes, number)
        }
        for (level, file) in newFiles {
            Coding.appendVarint32(&bytes, Tag.newFile.rawValue)
            Self.appendLevel(&bytes, level)
            Coding.appendVarint64(&bytes, file.number)
            Coding.appendVarint64(&bytes, file.size)
            Coding.appendLengthPrefixed(&bytes, file.smallest)
            Coding.appendLengthPrefixed(&bytes, file.largest)
        }
        return bytes
    }

    private static func appendLevel(_ bytes: inout [UInt8], _ level: Int) {
        precondition((0..<levelCount).contains(level), "level \(level) out of range")
        Coding.appendVarint32(&bytes, UInt32(level))
    }

    /// Decodes an edit. Malformed input (a truncated or over-long varint, an unknown tag, a level
    /// outside `0..<7`, an internal key under 8 bytes, a comparator name that is not UTF-8) throws
    /// ``LSMError/corruption(file:offset:reason:)`` with `file` and `offset`, the manifest record's.
    static func decode(_ bytes: [UInt8], file: String, offset: Int64) throws -> VersionEdit {
        try bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            var edit = VersionEdit()

            func corrupt(_ what: String, at position: Int) -> LSMError {
                .corruption(file: file, offset: offset, reason: "version edit: \(what) at byte \(position) of the edit")
            }
            func readLevel(_ field: String, at position: Int) throws -> Int {
                guard let raw = reader.readVarint32() else {
                    throw corrupt("truncated or over-long \(field) level", at: position)
                }
                guard raw < UInt32(levelCount) else {
                    throw corrupt("\(field) level \(raw) is not below \(levelCount)", at: position)
                }
                return Int(raw)
            }
            func readNumber(_ field: String, at position: Int) throws -> UInt64 {
                guard let value = reader.readVarint64() else {
                    throw corrupt("truncated or over-long \(field)", at: position)
                }
                return value
            }
            func readInternalKey(_ field: String, at position: Int) throws -> [UInt8] {
                guard let key = reader.readLengthPrefixed() else { throw corrupt("truncated \(field)", at: position) }
                guard key.count >= InternalKey.trailerSize else {
                    throw corrupt("\(field) of \(key.count) bytes is not an internal key", at: position)
                }
                return Array(key)
            }

            while !reader.isAtEnd {
                let position = reader.offset
                guard let rawTag = reader.readVarint32() else {
                    throw corrupt("truncated or over-long tag", at: position)
                }
                guard let tag = Tag(rawValue: rawTag) else { throw corrupt("unknown tag \(rawTag)", at: position) }
                switch tag {
                case .comparator:
                    guard let name = reader.readLengthPrefixed() else {
                        throw corrupt("truncated comparator name", at: position)
                    }
                    guard let string = String(validating: name, as: UTF8.self) else {
                        throw corrupt("comparator name is not UTF-8", at: position)
                    }
                    edit.comparatorName = string
                case .logNumber:
                    edit.logNumber = try readNumber("log number", at: position)
                case .nextFileNumber:
                    edit.nextFileNumber = try readNumber("next file number", at: position)
                case .lastSequence:
                    edit.lastSequence = try readNumber("last sequence", at: position)
                case .compactPointer:
                    let level = try readLevel("compact pointer", at: position)
                    edit.compactPointers.append((level, try readInternalKey("compact pointer key", at: position)))
                case .deletedFile:
                    let level = try readLevel("deleted file", at: position)
                    edit.deletedFiles.append((level, try readNumber("deleted file number", at: position)))
                case .newFile:
                    let level = try readLevel("new file", at: position)
                    let number = try readNumber("new file number", at: position)
                    let size = try readNumber("new file size", at: position)
                    let smallest = try readInternalKey("new file smallest key", at: position)
                    let largest = try readInternalKey("new file largest key", at: position)
                    edit.newFiles.append(
                        (level, FileMetaData(number: number, size: size, smallest: smallest, largest: largest)))
                }
            }
            return edit
        }
    }
}
