/// A change to raftd's replicated state: the payload of one Raft log entry.
///
/// Every command touches exactly one engine (the B+tree for keys and cluster metadata, the LSM for
/// leases), so applying it is one atomic write there. Nothing in a command depends on the applying
/// node's clock or randomness: the leader decides ids and expiries before it proposes.
enum Command: Sendable, Equatable {
    /// Stores `value` under the user key `key`.
    case put(key: [UInt8], value: [UInt8])
    /// Removes the user key `key` (a missing key is fine).
    case delete(key: [UInt8])
    /// Creates lease `id`.
    case grant(id: UInt64, name: [UInt8], ttl: UInt32)
    /// Attaches or updates key `key` of lease `id` with `data`, or revives it.
    case keepalive(id: UInt64, key: [UInt8], data: [UInt8])
    /// Deletes lease `id` and its keys.
    case revoke(id: UInt64)
    /// Removes the expired keys and leases the leader found.
    case expire([LeaseExpiry])
    /// Records a member's addresses (cluster metadata), replacing an entry with the same id.
    case setMember(id: String, httpAddress: String, raftAddress: String)
    /// Forgets a member's addresses.
    case removeMember(id: String)

    /// Version of the encoding, the first byte of every command.
    static let formatVersion: UInt8 = 1

    private enum Tag: UInt8 {
        case put = 1, delete, grant, keepalive, revoke, expire, setMember, removeMember
    }

    /// The command's bytes: `version | tag | fields`, byte strings as `varint length | bytes`.
    func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.formatVersion]
        switch self {
        case .put(let key, let value):
            out.reserveCapacity(24 + key.count + value.count)
            out.append(Tag.put.rawValue)
            ByteWriter.appendBytes(&out, key)
            ByteWriter.appendBytes(&out, value)
        case .delete(let key):
            out.append(Tag.delete.rawValue)
            ByteWriter.appendBytes(&out, key)
        case .grant(let id, let name, let ttl):
            out.append(Tag.grant.rawValue)
            ByteWriter.appendFixed64(&out, id)
            ByteWriter.appendBytes(&out, name)
            ByteWriter.appendVarint(&out, UInt64(ttl))
        case .keepalive(let id, let key, let data):
            out.append(Tag.keepalive.rawValue)
            ByteWriter.appendFixed64(&out, id)
            ByteWriter.appendBytes(&out, key)
            ByteWriter.appendBytes(&out, data)
        case .revoke(let id):
            out.append(Tag.revoke.rawValue)
            ByteWriter.appendFixed64(&out, id)
        case .expire(let expiries):
            out.append(Tag.expire.rawValue)
            ByteWriter.appendVarint(&out, UInt64(expiries.count))
            for expiry in expiries {
                ByteWriter.appendFixed64(&out, expiry.lease)
                if let key = expiry.key {
                    out.append(1)
                    ByteWriter.appendBytes(&out, key)
                } else {
                    out.append(0)
                }
                ByteWriter.appendVarint(&out, expiry.revision)
            }
        case .setMember(let id, let httpAddress, let raftAddress):
            out.append(Tag.setMember.rawValue)
            ByteWriter.appendBytes(&out, id.utf8)
            ByteWriter.appendBytes(&out, httpAddress.utf8)
            ByteWriter.appendBytes(&out, raftAddress.utf8)
        case .removeMember(let id):
            out.append(Tag.removeMember.rawValue)
            ByteWriter.appendBytes(&out, id.utf8)
        }
        return out
    }

    /// Decodes a command, checking every length.
    ///
    /// - Throws: ``StateMachineError/malformedCommand(_:)`` saying what is wrong.
    init(decoding bytes: [UInt8]) throws(StateMachineError) {
        var reader = ByteParser(bytes)
        guard reader.byte() == Self.formatVersion else { throw .malformedCommand("unknown command version") }
        guard let tagByte = reader.byte(), let tag = Tag(rawValue: tagByte) else {
            throw .malformedCommand("unknown command type")
        }
        let decoded: Command?
        switch tag {
        case .put:
            if let key = reader.lengthPrefixed(), let value = reader.lengthPrefixed() {
                decoded = .put(key: key, value: value)
            } else {
                decoded = nil
            }
        case .delete:
            decoded = reader.lengthPrefixed().map { .delete(key: $0) }
        case .grant:
            if let id = reader.fixed64(), let name = reader.lengthPrefixed(), let ttl = reader.varint(),
                ttl <= UInt64(UInt32.max)
            {
                decoded = .grant(id: id, name: name, ttl: UInt32(ttl))
            } else {
                decoded = nil
            }
        case .keepalive:
            if let id = reader.fixed64(), let key = reader.lengthPrefixed(), let data = reader.lengthPrefixed() {
                decoded = .keepalive(id: id, key: key, data: data)
            } else {
                decoded = nil
            }
        case .revoke:
            decoded = reader.fixed64().map { .revoke(id: $0) }
        case .expire:
            decoded = Self.decodeExpiries(&reader).map { .expire($0) }
        case .setMember:
            if let id = reader.lengthPrefixed(), let http = reader.lengthPrefixed(), let raft = reader.lengthPrefixed()
            {
                decoded = .setMember(
                    id: String(decoding: id, as: UTF8.self), httpAddress: String(decoding: http, as: UTF8.self),
                    raftAddress: String(decoding: raft, as: UTF8.self))
            } else {
                decoded = nil
            }
        case .removeMember:
            decoded = reader.lengthPrefixed().map { .removeMember(id: String(decoding: $0, as: UTF8.self)) }
        }
        guard let decoded, reader.remaining == 0 else { throw .malformedCommand("malformed \(tag) command") }
        self = decoded
    }

    private static func decodeExpiries(_ reader: inout ByteParser) -> [LeaseExpiry]? {
        // Each expiry takes at least 10 bytes, which bounds the count before any allocation.
        guard let count = reader.varint(), count <= UInt64(reader.remaining / 10) else { return nil }
        var expiries: [LeaseExpiry] = []
        expiries.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let lease = reader.fixed64(), let hasKey = reader.byte(), hasKey <= 1 else { return nil }
            var key: [UInt8]?
            if hasKey == 1 {
                guard let name = reader.lengthPrefixed() else { return nil }
                key = name
            }
            guard let revision = reader.varint() else { return nil }
            expiries.append(LeaseExpiry(lease: lease, key: key, revision: revision))
        }
        return expiries
    }
}
