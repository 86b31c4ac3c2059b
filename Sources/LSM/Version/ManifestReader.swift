#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads the manifest that `CURRENT` names, for recovery. See `doc/manifest_format.md`.
enum ManifestReader {
    /// `CURRENT` holds one short line; anything longer is not a manifest name.
    static let maximumCurrentSize = 256

    /// Reads `CURRENT`, then returns every edit of the manifest it names, in order, and that
    /// manifest's number.
    ///
    /// - A missing `CURRENT` is ``LSMError/io(operation:path:errno:)`` with `ENOENT` (no store here).
    /// - `CURRENT` empty, without its final newline, holding anything but `MANIFEST-<digits>\n`, or
    ///   naming a manifest that does not exist: ``LSMError/corruption(file:offset:reason:)`` on
    ///   `CURRENT` at offset 0.
    /// - A torn tail in the manifest is dropped: the edit it held was never acknowledged.
    /// - A damaged record followed by valid ones, an edit that does not decode, or a manifest with no
    ///   complete edit at all (its snapshot was synced before `CURRENT` named it): corruption on the
    ///   manifest at the record's offset.
    static func read(directory: String) throws -> (manifestNumber: UInt64, edits: [VersionEdit]) {
        let currentPath = FileNames.current(directory)
        let (name, number) = try readCurrent(currentPath)
        let manifestPath = directory + "/" + name

        let manifest: PosixFile
        do {
            manifest = try PosixFile.openForReading(manifestPath)
        } catch LSMError.io(_, _, let code) where code == ENOENT {
            throw LSMError.corruption(
                file: currentPath, offset: 0, reason: "CURRENT names \(name), which does not exist")
        }
        let reader = LogReader(file: manifest)
        var edits: [VersionEdit] = []
        while let record = try reader.readRecord() {
            edits.append(try VersionEdit.decode(record, file: manifestPath, offset: reader.lastRecordOffset))
        }
        guard !edits.isEmpty else {
            let why = reader.droppedTornTail ? " (its first record is torn)" : ""
            throw LSMError.corruption(
                file: manifestPath, offset: 0, reason: "the manifest holds no complete edit\(why)")
        }
        return (number, edits)
    }

    /// The manifest file name `CURRENT` holds and its number, or corruption naming `CURRENT`.
    private static func readCurrent(_ currentPath: String) throws -> (name: String, number: UInt64) {
        let file = try PosixFile.openForReading(currentPath)
        let size = try file.size()
        func corrupt(_ reason: String) -> LSMError {
            .corruption(file: currentPath, offset: 0, reason: reason)
        }
        guard size <= Int64(maximumCurrentSize) else {
            throw corrupt("CURRENT is \(size) bytes, too long to hold a manifest name")
        }
        let bytes = try file.readExactly(count: Int(size), at: 0)
        try file.close()
        guard !bytes.isEmpty else { throw corrupt("CURRENT is empty") }
        let shown = String(decoding: bytes, as: UTF8.self).debugDescription
        guard bytes.last == UInt8(ascii: "\n") else {
            throw corrupt("CURRENT does not end with a newline: \(shown)")
        }
        // Exactly "MANIFEST-" and 1 to 20 ASCII digits: no signs, spaces, slashes or second lines.
        let prefix = Array("MANIFEST-".utf8)
        guard bytes.count > prefix.count + 1, bytes.starts(with: prefix) else {
            throw corrupt("CURRENT does not name a manifest: \(shown)")
        }
        let digits = bytes[prefix.count..<(bytes.count - 1)]
        guard digits.count <= 20,
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let number = UInt64(String(decoding: digits, as: UTF8.self))
        else {
            throw corrupt("CURRENT does not name a manifest: \(shown)")
        }
        return (String(decoding: bytes.dropLast(), as: UTF8.self), number)
    }
}
