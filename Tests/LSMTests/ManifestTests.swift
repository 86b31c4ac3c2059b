import Testing

@testable import LSM

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A fresh directory under /tmp, removed (with its files) by `removeManifestDirectory`.
private func makeManifestDirectory() -> String {
    var template = Array("/tmp/lsm-manifest-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed")
    return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private func removeManifestDirectory(_ directory: String) {
    for name in (try? FileSystem.listDirectory(directory)) ?? [] {
        try? FileSystem.remove(directory + "/" + name)
    }
    rmdir(directory)
}

private func writeFileBytes(_ path: String, _ bytes: [UInt8]) throws {
    let file = try PosixFile.create(path)
    try file.write(bytes)
    try file.close()
}

private func key(_ user: String, _ sequence: UInt64) -> [UInt8] {
    InternalKey.make(Array(user.utf8), sequence: sequence, type: .value)
}

private func table(_ number: UInt64, _ smallest: String, _ largest: String) -> FileMetaData {
    FileMetaData(
        number: number, size: number * 1000 + 17, smallest: key(smallest, number), largest: key(largest, number + 1))
}

/// An edit with every field set, several entries in each list.
private func fullEdit() -> VersionEdit {
    var edit = VersionEdit(
        comparatorName: "leveldb.BytewiseComparator", logNumber: 12, nextFileNumber: 300, lastSequence: 1 << 40)
    edit.setCompactPointer(level: 1, key: key("m", 7))
    edit.setCompactPointer(level: 6, key: key("", 0))
    edit.deleteFile(level: 0, number: 4)
    edit.deleteFile(level: 2, number: UInt64.max)
    edit.addFile(level: 0, file: table(20, "a", "k"))
    edit.addFile(level: 3, file: table(21, "k", "z"))
    edit.addFile(
        level: 6, file: FileMetaData(number: 1 << 50, size: 0, smallest: key("", 1), largest: key("\u{1F600}", 2)))
    return edit
}

/// Expects `body` to throw corruption naming `file` and `offset` and whose reason contains `reason`.
private func expectCorruption(
    file: String, offset: Int64, reason: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("\(label): expected corruption, nothing thrown", sourceLocation: sourceLocation)
    } catch LSMError.corruption(let actualFile, let actualOffset, let actualReason) {
        #expect(actualFile == file, "\(label)", sourceLocation: sourceLocation)
        #expect(actualOffset == offset, "\(label)", sourceLocation: sourceLocation)
        #expect(actualReason.contains(reason), "\(label): reason \"\(actualReason)\"", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(label): expected corruption, got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("Manifest: version edits, CURRENT and the manifest log")
struct ManifestTests {
    @Test("a version edit with every field round-trips; an empty one is empty")
    func editRoundTrip() throws {
        let edit = fullEdit()
        #expect(try VersionEdit.decode(edit.encode(), file: "m", offset: 0) == edit)
        #expect(VersionEdit().encode().isEmpty)
        #expect(try VersionEdit.decode([], file: "m", offset: 0) == VersionEdit())
    }

    @Test("edit bytes are LevelDB's tagged varint fields")
    func editBytes() {
        let counters = VersionEdit(logNumber: 5, nextFileNumber: 300, lastSequence: 0)
        #expect(counters.encode() == [2, 5, 3, 0xAC, 0x02, 4, 0])
        #expect(VersionEdit(comparatorName: "ab").encode() == [1, 2, 0x61, 0x62])
        var files = VersionEdit()
        files.deleteFile(level: 2, number: 129)
        files.setCompactPointer(level: 1, key: [1, 2, 3, 4, 5, 6, 7, 8])
        files.addFile(
            level: 3,
            file: FileMetaData(
                number: 9, size: 128, smallest: [UInt8](repeating: 0xA, count: 8),
                largest: [UInt8](repeating: 0xB, count: 9)))
        let expected: [UInt8] =
            [5, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8]  // compact pointers come before deletions
            + [6, 2, 0x81, 0x01]
            + [7, 3, 9, 0x80, 0x01, 8] + [UInt8](repeating: 0xA, count: 8) + [9] + [UInt8](repeating: 0xB, count: 9)
        #expect(files.encode() == expected)
    }

    @Test("equality looks at every field and every list entry")
    func editEquality() {
        let base = fullEdit()
        var changes: [VersionEdit] = []
        var e = base
        e.comparatorName = nil
        changes.append(e)
        e = base
        e.logNumber = 13
        changes.append(e)
        e = base
        e.nextFileNumber = nil
        changes.append(e)
        e = base
        e.lastSequence = 0
        changes.append(e)
        e = base
        e.compactPointers[1].key = key("x", 0)
        changes.append(e)
        e = base
        e.compactPointers[0].level = 2
        changes.append(e)
        e = base
        e.deletedFiles.removeLast()
        changes.append(e)
        e = base
        e.deletedFiles[0].number = 5
        changes.append(e)
        e = base
        e.newFiles[1].file.size += 1
        changes.append(e)
        e = base
        e.newFiles[2].level = 5
        changes.append(e)
        for (index, changed) in changes.enumerated() { #expect(changed != base, "change \(index)") }
        #expect(base == fullEdit())
    }

    @Test("every truncation of an edit either ends at a field boundary or is corruption")
    func truncatedEdits() throws {
        // The encodings of ever longer edits, field by field in encoding order.
        let full = fullEdit()
        var partial = VersionEdit()
        var boundaries: [Int: VersionEdit] = [0: partial]
        func mark() { boundaries[partial.encode().count] = partial }
        partial.comparatorName = full.comparatorName
        mark()
        partial.logNumber = full.logNumber
        mark()
        partial.nextFileNumber = full.nextFileNumber
        mark()
        partial.lastSequence = full.lastSequence
        mark()
        for pointer in full.compactPointers {
            partial.compactPointers.append(pointer)
            mark()
        }
        for deleted in full.deletedFiles {
            partial.deletedFiles.append(deleted)
            mark()
        }
        for added in full.newFiles {
            partial.newFiles.append(added)
            mark()
        }
        let bytes = full.encode()
        #expect(partial == full && boundaries.keys.max() == bytes.count)
        for length in 0..<bytes.count {
            let prefix = Array(bytes[0..<length])
            if let expected = boundaries[length] {
                #expect(
                    try VersionEdit.decode(prefix, file: "MANIFEST-000001", offset: 99) == expected, "prefix \(length)")
            } else {
                expectCorruption(file: "MANIFEST-000001", offset: 99, reason: "version edit", "prefix \(length)") {
                    _ = try VersionEdit.decode(prefix, file: "MANIFEST-000001", offset: 99)
                }
            }
        }
    }

    @Test("unknown tags, bad levels, short keys, bad names and overlong varints are corruption")
    func malformedEdits() {
        let eightBytes = [UInt8](repeating: 1, count: 8)
        let cases: [(label: String, bytes: [UInt8], reason: String)] = [
            ("tag 0", [0], "unknown tag 0"),
            ("tag 8 (LevelDB large value ref)", [8, 1], "unknown tag 8"),
            ("tag 9 (LevelDB prev log number)", [9, 1], "unknown tag 9"),
            ("tag 100 after a valid field", [2, 1, 100], "unknown tag 100"),
            ("tag over 32 bits", [0xFF, 0xFF, 0xFF, 0xFF, 0x7F], "over-long tag"),
            ("endless varint", [2] + [UInt8](repeating: 0xFF, count: 11), "truncated or over-long log number"),
            ("compact pointer level 7", [5, 7, 8] + eightBytes, "level 7"),
            ("deleted file level 7", [6, 7, 1], "level 7"),
            ("new file level 200", [7, 0xC8, 0x01, 1, 1, 8] + eightBytes + [8] + eightBytes, "level 200"),
            ("level over 32 bits", [6, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1], "truncated or over-long deleted file level"),
            ("short smallest key", [7, 0, 1, 1, 3, 1, 2, 3, 8] + eightBytes, "not an internal key"),
            ("short compact pointer key", [5, 0, 0], "not an internal key"),
            ("key length past the end", [5, 0, 9] + eightBytes, "truncated compact pointer key"),
            ("comparator not UTF-8", [1, 2, 0xFF, 0xFE], "not UTF-8"),
            ("comparator length past the end", [1, 5, 0x61], "truncated comparator"),
            ("new file without largest", [7, 0, 1, 1, 8] + eightBytes, "truncated new file largest key"),
        ]
        for (label, bytes, reason) in cases {
            expectCorruption(file: "/db/MANIFEST-000003", offset: 4242, reason: reason, label) {
                _ = try VersionEdit.decode(bytes, file: "/db/MANIFEST-000003", offset: 4242)
            }
        }
    }

    @Test("random bytes never make edit decoding trap")
    func randomEdits() {
        let seed: UInt64 = 0xED17
        var rng = SeededGenerator(seed: seed)
        var decoded = 0
        for _ in 0..<3000 {
            let count = Int.random(in: 0...40, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Start with a real tag most of the time, to get past the first check.
            if !bytes.isEmpty && Bool.random(using: &rng) { bytes[0] = UInt8.random(in: 1...7, using: &rng) }
            do {
                _ = try VersionEdit.decode(bytes, file: "f", offset: 1)
                decoded += 1
            } catch LSMError.corruption(let file, let offset, _) {
                #expect(file == "f" && offset == 1, "seed \(seed)")
            } catch {
                Issue.record("seed \(seed): unexpected \(error)")
            }
        }
        #expect(decoded < 3000, "seed \(seed)")
    }

    @Test("a created manifest holds its snapshot and appended edits; CURRENT names it")
    func createAppendRead() throws {
        let directory = makeManifestDirectory()
        defer { removeManifestDirectory(directory) }
        let snapshot = fullEdit()
        let writer = try ManifestWriter.create(directory: directory, number: 5, snapshot: snapshot)
        #expect(writer.fileNumber == 5)
        var edits = [snapshot]
        var flush = VersionEdit(logNumber: 13, nextFileNumber: 301, lastSequence: (1 << 40) + 10)
        flush.addFile(level: 0, file: table(300, "b", "c"))
        edits.append(flush)
        // A compaction touching many files: one edit bigger than a block.
        var compaction = VersionEdit(nextFileNumber: 2000)
        for number in UInt64(301)..<1900 {
            compaction.addFile(level: 2, file: table(number, "key\(number)", "key\(number)z"))
            compaction.deleteFile(level: 1, number: number - 200)
        }
        #expect(compaction.encode().count > 2 * LogFormat.blockSize)
        edits.append(compaction)
        edits.append(VersionEdit())
        for edit in edits.dropFirst() { try writer.append(edit) }
        let manifestPath = FileNames.manifest(directory, 5)
        #expect(writer.size == (try FileSystem.fileSize(manifestPath)))
        try writer.close()

        let current = try PosixFile.openForReading(FileNames.current(directory)).readAll()
        #expect(current == Array("MANIFEST-000005\n".utf8))
        #expect(Set(try FileSystem.listDirectory(directory)) == ["CURRENT", "MANIFEST-000005"])
        let (number, read) = try ManifestReader.read(directory: directory)
        #expect(number == 5)
        #expect(read == edits)
    }

    @Test("a new manifest replaces the old one in CURRENT")
    func switchManifest() throws {
        let directory = makeManifestDirectory()
        defer { removeManifestDirectory(directory) }
        let old = try ManifestWriter.create(directory: directory, number: 2, snapshot: VersionEdit(logNumber: 1))
        try old.append(VersionEdit(lastSequence: 9))
        try old.close()
        let new = try ManifestWriter.create(
            directory: directory, number: 1_234_567, snapshot: VersionEdit(logNumber: 3))
        try new.append(VersionEdit(lastSequence: 10))
        try new.close()
        #expect(
            try PosixFile.openForReading(FileNames.current(directory)).readAll() == Array("MANIFEST-1234567\n".utf8))
        let (number, edits) = try ManifestReader.read(directory: directory)
        #expect(number == 1_234_567)
        #expect(edits == [VersionEdit(logNumber: 3), VersionEdit(lastSequence: 10)])
    }

    @Test("CURRENT missing, empty, unterminated, garbage or naming a missing manifest gives a clear error")
    func badCurrent() throws {
        let directory = makeManifestDirectory()
        defer { removeManifestDirectory(directory) }
        let currentPath = FileNames.current(directory)
        do {
            _ = try ManifestReader.read(directory: directory)
            Issue.record("expected an error without CURRENT")
        } catch LSMError.io(let operation, let path, let code) {
            #expect(operation == "open" && path == currentPath && code == ENOENT)
        }

        let writer = try ManifestWriter.create(directory: directory, number: 5, snapshot: VersionEdit(logNumber: 1))
        try writer.close()
        let cases: [(String, [UInt8], String)] = [
            ("empty", [], "CURRENT is empty"),
            ("no newline", Array("MANIFEST-000005".utf8), "does not end with a newline"),
            ("garbage", Array("hello\n".utf8), "does not name a manifest"),
            ("shorter than the prefix", Array("abc\n".utf8), "does not name a manifest"),
            ("newline only", [10], "does not name a manifest"),
            ("no number", Array("MANIFEST-\n".utf8), "does not name a manifest"),
            ("signed number", Array("MANIFEST-+5\n".utf8), "does not name a manifest"),
            ("two lines", Array("MANIFEST-000005\nMANIFEST-000006\n".utf8), "does not name a manifest"),
            ("CRLF", Array("MANIFEST-000005\r\n".utf8), "does not name a manifest"),
            ("path", Array("../MANIFEST-000005\n".utf8), "does not name a manifest"),
            ("number too large", Array("MANIFEST-99999999999999999999999\n".utf8), "does not name a manifest"),
            ("binary", [0xFF, 0, 0x80, 10], "does not name a manifest"),
            ("too long", [UInt8](repeating: 0x41, count: 300) + [10], "too long"),
            ("missing manifest", Array("MANIFEST-000006\n".utf8), "MANIFEST-000006, which does not exist"),
            ("unpadded name of a missing file", Array("MANIFEST-5\n".utf8), "MANIFEST-5, which does not exist"),
        ]
        for (label, bytes, reason) in cases {
            try writeFileBytes(currentPath, bytes)
            expectCorruption(file: currentPath, offset: 0, reason: reason, label) {
                _ = try ManifestReader.read(directory: directory)
            }
        }
        try writeFileBytes(currentPath, Array("MANIFEST-000005\n".utf8))
        #expect(try ManifestReader.read(directory: directory).edits == [VersionEdit(logNumber: 1)])
    }

    @Test("a torn manifest tail drops the unacknowledged edit; a damaged middle edit is corruption")
    func damagedManifest() throws {
        let directory = makeManifestDirectory()
        defer { removeManifestDirectory(directory) }
        let snapshot = fullEdit()
        let writer = try ManifestWriter.create(directory: directory, number: 7, snapshot: snapshot)
        let appended = (0..<3).map { VersionEdit(logNumber: UInt64(20 + $0), lastSequence: UInt64(100 * $0)) }
        for edit in appended { try writer.append(edit) }
        try writer.close()
        let path = FileNames.manifest(directory, 7)
        let clean = try PosixFile.openForReading(path).readAll()
        let reader = LogReader(file: try PosixFile.openForReading(path))
        var offsets: [Int] = []
        while try reader.readRecord() != nil { offsets.append(Int(reader.lastRecordOffset)) }
        #expect(offsets.count == 4)

        // Cut anywhere inside the last edit.
        for cut in (offsets[3] + 1)..<clean.count {
            try writeFileBytes(path, Array(clean[0..<cut]))
            let (number, edits) = try ManifestReader.read(directory: directory)
            #expect(number == 7 && edits == [snapshot] + appended.dropLast(), "cut \(cut)")
        }
        // A byte flipped in the second edit, with two valid edits after it.
        var flipped = clean
        flipped[offsets[2] - 1] ^= 0x40
        try writeFileBytes(path, flipped)
        expectCorruption(file: path, offset: Int64(offsets[1]), reason: "checksum", "flipped second edit") {
            _ = try ManifestReader.read(directory: directory)
        }
        // The snapshot itself torn, or nothing at all.
        for cut in [0, 3, offsets[1] - 1] {
            try writeFileBytes(path, Array(clean[0..<cut]))
            expectCorruption(file: path, offset: 0, reason: "no complete edit", "cut \(cut)") {
                _ = try ManifestReader.read(directory: directory)
            }
        }
        // A record whose checksum is fine but whose edit does not decode.
        let log = LogWriter(file: try PosixFile.create(path))
        try log.addRecord(snapshot.encode())
        let badOffset = log.offset
        try log.addRecord([2, 1, 42])
        try log.close()
        expectCorruption(file: path, offset: badOffset, reason: "unknown tag 42", "undecodable edit") {
            _ = try ManifestReader.read(directory: directory)
        }
    }
}
