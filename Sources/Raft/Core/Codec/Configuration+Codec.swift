extension Configuration {
    /// Writes `varint(count)` then, per member, `varint(id) | role byte | string(address)`.
    func encode(into writer: inout ByteWriter) {
        writer.writeVarint(UInt64(members.count))
        for member in members {
            writer.writeVarint(member.id)
            writer.writeByte(member.role.rawValue)
            writer.writeString(member.address)
        }
    }

    /// Reads what ``encode(into:)`` writes; ids must be non-zero and unique.
    init(from reader: inout ByteReader) throws(RaftCodecError) {
        let count = try reader.readCount("member count", minimumItemSize: 3)
        var members: [Member] = []
        members.reserveCapacity(count)
        var seen = Set<NodeID>()
        for _ in 0..<count {
            let start = reader.offset
            let id = try reader.readVarint("member id")
            guard id != 0 else { throw .malformed(offset: start, reason: "member id is 0") }
            guard seen.insert(id).inserted else {
                throw .malformed(offset: start, reason: "member \(id) appears twice")
            }
            let roleByte = try reader.readByte("member role")
            guard let role = Member.Role(rawValue: roleByte) else {
                throw .malformed(offset: reader.offset - 1, reason: "unknown member role \(roleByte)")
            }
            let address = try reader.readString("member address")
            members.append(Member(id: id, address: address, role: role))
        }
        self.init(members: members)
    }
}
