/// The layout of a snapshot file (see `doc/raft_storage_format.md`), and its verification.
///
///     header:  "RAFTSNP1" | fixed32 metadataLength M | metadata (M bytes) | fixed32 masked CRC-32C of
///              the header's bytes before it
///     data:    D bytes, the application's state
///     trailer: fixed64 D | fixed32 masked CRC-32C of (metadata, data) | "RAFTSNPE"
///
/// The header's own checksum lets the metadata be read without the data; the trailer's covers the
/// metadata and every data byte, so a file is valid only when written completely.
enum SnapshotFile {
    static let magic: [UInt8] = Array("RAFTSNP1".utf8)
    static let endMagic: [UInt8] = Array("RAFTSNPE".utf8)
    static let trailerSize = 20
    /// A bound on the metadata's size, so a damaged length cannot ask for gigabytes.
    static let maxMetadataSize = 16 << 20
    /// The size of the reads that verify a file's data.
    static let readChunkSize = 1 << 20

    /// What a verified snapshot file holds.
    struct Layout {
        var metadata: SnapshotMetadata
        /// The offset of the first data byte.
        var dataOffset: Int64
        /// The number of data bytes.
        var dataLength: Int64
        /// The size of the whole file.
        var fileSize: Int64
        /// The CRC-32C (unmasked) of the metadata bytes, where the data's checksum starts.
        var metadataCRC: UInt32
        /// The masked checksum the trailer stores.
        var storedCRC: UInt32
    }

    /// The header for `metadata`, and the CRC-32C of the metadata bytes.
    static func header(for metadata: SnapshotMetadata) -> (bytes: [UInt8], metadataCRC: UInt32) {
        let encoded = SnapshotMetadataCoding.encode(metadata)
        var bytes = magic
        bytes.appendFixed32(UInt32(encoded.count))
        bytes.append(contentsOf: encoded)
        bytes.appendFixed32(StorageChecksum.mask(StorageChecksum.extend(0, bytes)))
        return (bytes, StorageChecksum.extend(0, encoded))
    }

    /// The trailer for `dataLength` data bytes whose running checksum (from the metadata's) is `crc`.
    static func trailer(dataLength: Int64, crc: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendFixed64(UInt64(dataLength))
        bytes.appendFixed32(StorageChecksum.mask(crc))
        bytes.append(contentsOf: endMagic)
        return bytes
    }

    /// Reads and checks the header and trailer of the file (not the data).
    static func readLayout(_ file: StorageFile) throws -> Layout {
        let path = file.path
        let size = try file.size()
        func corrupt(_ offset: Int64, _ reason: String) -> RaftStorageError {
            .corruption(file: path, offset: offset, reason: reason)
        }
        guard size >= Int64(magic.count + 8 + trailerSize) else {
            throw corrupt(0, "file of \(size) bytes is too short")
        }
        let start = try file.readExactly(count: magic.count + 4, at: 0)
        guard Array(start[0..<magic.count]) == magic else { throw corrupt(0, "bad magic") }
        let metadataLength = Int64(start.withUnsafeBytes { $0.fixed32(at: magic.count) })
        let headerSize = Int64(magic.count + 4) + metadataLength + 4
        guard metadataLength <= Int64(maxMetadataSize), headerSize + Int64(trailerSize) <= size else {
            throw corrupt(Int64(magic.count), "metadata length \(metadataLength) does not fit the file")
        }
        let header = try file.readExactly(count: Int(headerSize), at: 0)
        let storedHeaderCRC = header.withUnsafeBytes { $0.fixed32(at: Int(headerSize) - 4) }
        let headerCRC = header.withUnsafeBytes {
            StorageChecksum.extend(0, UnsafeRawBufferPointer(rebasing: $0[0..<(Int(headerSize) - 4)]))
        }
        guard StorageChecksum.mask(headerCRC) == storedHeaderCRC else {
            throw corrupt(headerSize - 4, "header checksum mismatch")
        }
        let metadataBytes = Array(header[(magic.count + 4)..<(Int(headerSize) - 4)])
        let metadata: SnapshotMetadata
        switch SnapshotMetadataCoding.decode(metadataBytes) {
        case .success(let decoded): metadata = decoded
        case .failure(let failure): throw corrupt(Int64(magic.count + 4), failure.reason)
        }
        let trailerOffset = size - Int64(trailerSize)
        let trailer = try file.readExactly(count: trailerSize, at: trailerOffset)
        guard Array(trailer[12..<20]) == endMagic else { throw corrupt(trailerOffset, "bad trailer magic") }
        let dataLength = Int64(bitPattern: trailer.withUnsafeBytes { $0.fixed64(at: 0) })
        guard dataLength == trailerOffset - headerSize else {
            throw corrupt(
                trailerOffset, "trailer says \(dataLength) data bytes, the file holds \(trailerOffset - headerSize)")
        }
        return Layout(
            metadata: metadata, dataOffset: headerSize, dataLength: dataLength, fileSize: size,
            metadataCRC: StorageChecksum.extend(0, metadataBytes),
            storedCRC: trailer.withUnsafeBytes { $0.fixed32(at: 8) })
    }

    /// Reads and checks the whole file: header, trailer, and the checksum over metadata and data.
    static func verify(_ file: StorageFile) throws -> Layout {
        let layout = try readLayout(file)
        var crc = layout.metadataCRC
        var offset = layout.dataOffset
        let end = layout.dataOffset + layout.dataLength
        while offset < end {
            let count = Int(min(Int64(readChunkSize), end - offset))
            let chunk = try file.readExactly(count: count, at: offset)
            crc = StorageChecksum.extend(crc, chunk)
            offset += Int64(count)
        }
        guard StorageChecksum.mask(crc) == layout.storedCRC else {
            throw RaftStorageError.corruption(
                file: file.path, offset: end, reason: "checksum over metadata and data mismatch")
        }
        return layout
    }

    /// The file name of a snapshot: `NNNN…-TTTT….snap`, index and term in 20 decimal digits each, so
    /// that names sort by index.
    static func fileName(_ metadata: SnapshotMetadata) -> String {
        func digits(_ value: UInt64) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, 20 - text.count)) + text
        }
        return digits(metadata.index) + "-" + digits(metadata.term) + ".snap"
    }

    /// The index and term a snapshot file name stands for, or `nil` if `name` is no snapshot's.
    static func parseFileName(_ name: String) -> (index: UInt64, term: UInt64)? {
        guard name.hasSuffix(".snap"), name.utf8.count == 46 else { return nil }
        let parts = name.dropLast(5).split(separator: "-")
        guard parts.count == 2, let index = UInt64(parts[0]), let term = UInt64(parts[1]) else { return nil }
        return (index, term)
    }
}
