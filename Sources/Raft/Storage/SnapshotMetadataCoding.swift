/// The binary encoding of ``SnapshotMetadata`` and its ``Configuration`` inside a snapshot file
/// (see `doc/raft_storage_format.md`):
///
///     fixed64 index | fixed64 term | fixed32 memberCount |
///     memberCount × (fixed64 id | uint8 role | fixed32 addressLength | address, UTF-8)
enum SnapshotMetadataCoding {
    /// The largest address accepted when decoding, so a damaged length cannot ask for gigabytes.
    static let maxAddressLength = 4096

    static func encode(_ metadata: SnapshotMetadata) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendFixed64(metadata.index)
        bytes.appendFixed64(metadata.term)
        let members = metadata.configuration.members
        bytes.appendFixed32(UInt32(members.count))
        for member in members {
            bytes.appendFixed64(member.id)
            bytes.append(member.role.rawValue)
            let address = Array(member.address.utf8)
            bytes.appendFixed32(UInt32(address.count))
            bytes.append(contentsOf: address)
        }
        return bytes
    }

    /// Decodes metadata, or returns why the bytes are not valid metadata.
    static func decode(_ bytes: [UInt8]) -> Result<SnapshotMetadata, DecodeFailure> {
        var reader = StorageByteReader(bytes)
        guard let index = reader.readFixed64(), let term = reader.readFixed64(), let count = reader.readFixed32()
        else { return .failure(DecodeFailure(reason: "metadata is truncated")) }
        // Each member takes at least 13 bytes, which bounds a damaged count.
        guard Int(count) <= reader.remaining / 13 else {
            return .failure(DecodeFailure(reason: "member count \(count) does not fit the metadata"))
        }
        var members: [Member] = []
        for _ in 0..<count {
            guard let id = reader.readFixed64(), let roleByte = reader.readByte(), let length = reader.readFixed32()
            else { return .failure(DecodeFailure(reason: "member is truncated")) }
            guard let role = Member.Role(rawValue: roleByte) else {
                return .failure(DecodeFailure(reason: "unknown member role \(roleByte)"))
            }
            guard Int(length) <= maxAddressLength, let address = reader.readBytes(Int(length)) else {
                return .failure(DecodeFailure(reason: "member address of \(length) bytes does not fit"))
            }
            members.append(Member(id: id, address: String(decoding: address, as: UTF8.self), role: role))
        }
        guard reader.remaining == 0 else {
            return .failure(DecodeFailure(reason: "\(reader.remaining) bytes after the metadata"))
        }
        return .success(SnapshotMetadata(index: index, term: term, configuration: Configuration(members: members)))
    }

    /// Why bytes did not decode.
    struct DecodeFailure: Error {
        let reason: String
    }
}
