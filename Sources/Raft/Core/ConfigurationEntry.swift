/// The payload of a log entry of kind ``EntryKind/configurationChange``: the change and the whole
/// configuration that results from it.
///
/// Carrying the resulting configuration (not only the change) makes every configuration entry
/// self-contained: a server that receives the log from the start, or from any configuration entry
/// onwards, knows the membership without replaying earlier changes. `change` is `nil` for the entry
/// that bootstraps a new cluster.
public struct ConfigurationEntry: Sendable, Hashable {
    /// The change this entry makes, or `nil` for a bootstrap entry.
    public var change: ConfigurationChange?
    /// The configuration in force once the entry is appended.
    public var configuration: Configuration

    /// The version byte of the encoding.
    static let version: UInt8 = 1

    /// Creates a configuration entry payload.
    public init(change: ConfigurationChange?, configuration: Configuration) {
        self.change = change
        self.configuration = configuration
    }

    /// The payload's bytes (`doc/raft_wire_format.md`, "Configuration entries").
    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 32 + configuration.members.count * 24)
        writer.writeByte(ConfigurationEntry.version)
        switch change {
        case nil:
            writer.writeByte(0)
        case .addLearner(let member):
            writer.writeByte(1)
            writer.writeVarint(member.id)
            writer.writeString(member.address)
        case .addVoter(let member):
            writer.writeByte(2)
            writer.writeVarint(member.id)
            writer.writeString(member.address)
        case .remove(let id):
            writer.writeByte(3)
            writer.writeVarint(id)
        }
        configuration.encode(into: &writer)
        return writer.bytes
    }

    /// Decodes a payload.
    ///
    /// - Throws: ``RaftCodecError`` if `bytes` is not exactly one well-formed payload.
    public init(decoding bytes: [UInt8]) throws(RaftCodecError) {
        var reader = ByteReader(bytes)
        let version = try reader.readByte("version")
        guard version == ConfigurationEntry.version else { throw .unsupportedVersion(version) }
        let tag = try reader.readByte("change kind")
        switch tag {
        case 0:
            change = nil
        case 1, 2:
            let start = reader.offset
            let id = try reader.readVarint("member id")
            guard id != 0 else { throw .malformed(offset: start, reason: "member id is 0") }
            let address = try reader.readString("member address")
            change =
                tag == 1
                ? .addLearner(Member(id: id, address: address, role: .learner))
                : .addVoter(Member(id: id, address: address, role: .voter))
        case 3:
            change = .remove(try reader.readVarint("member id"))
        default:
            throw .malformed(offset: 1, reason: "unknown configuration change kind \(tag)")
        }
        configuration = try Configuration(from: &reader)
        try reader.expectEnd("configuration entry")
    }
}
