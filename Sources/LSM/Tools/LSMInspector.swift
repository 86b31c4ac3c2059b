/// Reads a store's files directly, without opening the store: for tools like `lsm-tool` that dump a
/// file's records or verify every checksum, as LevelDB's `leveldbutil dump` and RocksDB's `sst_dump`.
///
/// It takes no lock, so it can look at the files of a store another process has open; what it reads
/// may then be mid-change.
public enum LSMInspector {
    /// What ``verify(directory:)`` found.
    public struct VerifyReport: Sendable {
        /// One line per file checked, saying what was checked.
        public var lines: [String] = []
        /// One line per damaged file, with the file, offset and reason.
        public var problems: [String] = []
    }

    /// Prints every record of a WAL (`*.log`), table (`*.ldb`) or manifest (`MANIFEST-*`) file,
    /// one line per record, through `output`.
    ///
    /// - Throws: ``LSMError/corruption(file:offset:reason:)`` at the first damaged record, after the
    ///   records before it were printed; ``LSMError/invalidArgument(_:)`` for a file of no known kind.
    public static func dump(path: String, output: (String) -> Void) throws {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        switch FileNames.parse(name) {
        case .wal:
            try dumpLog(path: path, output: output)
        case .table(let number):
            let file = try PosixFile.openForReading(path)
            let table = try Table.open(
                file: file, fileNumber: number, size: UInt64(try file.size()), options: LSMOptions(), blockCache: nil)
            let iterator = table.makeIterator(verifyChecksums: true, fillCache: false)
            iterator.seekToFirst()
            var count = 0
            while iterator.isValid {
                output(describe(internalKey: iterator.key) + " => " + escaped(iterator.value))
                count += 1
                iterator.next()
            }
            if let error = iterator.error { throw error }
            output("\(count) entries")
        case .manifest:
            let reader = LogReader(file: try PosixFile.openForReading(path))
            while let record = try reader.readRecord() {
                let edit = try VersionEdit.decode(record, file: path, offset: reader.lastRecordOffset)
                output("@\(reader.lastRecordOffset) " + describe(edit))
            }
            if reader.droppedTornTail { output("torn tail dropped after offset \(reader.validEnd)") }
        default:
            throw LSMError.invalidArgument("\(path) is not a WAL (.log), table (.ldb) or MANIFEST file")
        }
    }

    private static func dumpLog(path: String, output: (String) -> Void) throws {
        let reader = LogReader(file: try PosixFile.openForReading(path))
        while let record = try reader.readRecord() {
            let batch = try WriteBatch(logRecord: record, path: path, offset: reader.lastRecordOffset)
            var line = "@\(reader.lastRecordOffset) sequence \(batch.sequence), \(batch.count) ops:"
            try? batch.forEach { type, key, value in
                line += type == .value ? " put \(escaped(key)) => \(escaped(value))" : " delete \(escaped(key))"
            }
            output(line)
        }
        if reader.droppedTornTail { output("torn tail dropped after offset \(reader.validEnd)") }
    }

    /// Reads every WAL, table and manifest record in `directory` and checks every checksum and that
    /// every table the manifest names exists.
    public static func verify(directory: String) throws -> VerifyReport {
        var report = VerifyReport()
        let names = try FileSystem.listDirectory(directory).sorted()
        for name in names {
            let path = directory + "/" + name
            do {
                switch FileNames.parse(name) {
                case .wal:
                    var records = 0
                    try dumpLog(path: path) { _ in records += 1 }
                    report.lines.append("\(name): \(records) records ok")
                case .table(let number):
                    let file = try PosixFile.openForReading(path)
                    let table = try Table.open(
                        file: file, fileNumber: number, size: UInt64(try file.size()), options: LSMOptions(),
                        blockCache: nil)
                    try table.verify()
                    report.lines.append("\(name): every block ok")
                case .manifest:
                    var edits = 0
                    try dump(path: path) { _ in edits += 1 }
                    report.lines.append("\(name): \(edits) edits ok")
                default:
                    continue
                }
            } catch {
                report.problems.append("\(name): \(error)")
            }
        }
        do {
            let (_, edits) = try ManifestReader.read(directory: directory)
            var live = Set<UInt64>()
            for edit in edits {
                for (_, number) in edit.deletedFiles { live.remove(number) }
                for (_, file) in edit.newFiles { live.insert(file.number) }
            }
            for number in live.sorted() where !names.contains(String(FileNames.table("", number).dropFirst())) {
                report.problems.append("table \(number) is named by the manifest but missing")
            }
        } catch {
            report.problems.append("CURRENT/manifest: \(error)")
        }
        return report
    }

    private static func describe(internalKey: UnsafeRawBufferPointer) -> String {
        guard internalKey.count >= InternalKey.trailerSize else { return "malformed key " + escaped(internalKey) }
        let kind = InternalKey.type(internalKey).map { $0 == .value ? "put" : "del" } ?? "type?"
        return "'\(escaped(InternalKey.userKey(internalKey)))' @ \(InternalKey.sequence(internalKey)) : \(kind)"
    }

    private static func describe(_ edit: VersionEdit) -> String {
        var parts: [String] = []
        if let name = edit.comparatorName { parts.append("comparator \(name)") }
        if let n = edit.logNumber { parts.append("log \(n)") }
        if let n = edit.nextFileNumber { parts.append("next file \(n)") }
        if let n = edit.lastSequence { parts.append("last sequence \(n)") }
        for (level, number) in edit.deletedFiles { parts.append("delete L\(level) #\(number)") }
        for (level, file) in edit.newFiles {
            parts.append(
                "add L\(level) #\(file.number) \(file.size) bytes ['"
                    + file.smallest.withUnsafeBytes { escaped(InternalKey.userKey($0)) } + "' .. '"
                    + file.largest.withUnsafeBytes { escaped(InternalKey.userKey($0)) } + "']")
        }
        return parts.joined(separator: ", ")
    }

    /// Bytes as text, with non-printable bytes and `\` as `\xNN`; past `limit` bytes the rest is
    /// summarized by its length.
    public static func escaped(_ bytes: UnsafeRawBufferPointer, limit: Int = 80) -> String {
        var out = ""
        for (index, byte) in bytes.enumerated() {
            if index == limit {
                out += "…(\(bytes.count) bytes)"
                break
            }
            if byte >= 0x20 && byte < 0x7f && byte != UInt8(ascii: "\\") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
