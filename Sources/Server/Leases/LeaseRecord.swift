/// A lease as the state machine stores it in the LSM, under its id.
///
/// Encoded as API.md prescribes, `metaSize | valueSize | meta | value` (both sizes fixed32
/// little-endian), with meta holding the lease's scalar fields and value its keys; see
/// DESIGN.md, "Lease records", for the bytes. The countdowns themselves are not stored: time is the
/// leader's business (a monotonic clock in memory), and what the replicated state records is each
/// key's revision and the lease's ttl, from which a new leader restarts every countdown in full.
struct LeaseRecord: Sendable, Hashable {
    /// Version of the encoding, the first byte of meta.
    static let formatVersion: UInt8 = 1

    /// The lease id (a snowflake).
    var id: UInt64
    /// The name given at grant, e.g. `/esq/node-1`; prefix queries match on it.
    var name: [UInt8]
    /// Seconds a key lives after its last keepalive (and a never-kept-alive lease after its grant).
    var ttl: UInt32
    /// Created or alive.
    var state: LeaseState
    /// The Raft index of the grant.
    var grantRevision: UInt64
    /// The live keys, sorted by name. An expired key is removed.
    var keys: [LeaseKey]

    /// Creates a record.
    init(id: UInt64, name: [UInt8], ttl: UInt32, state: LeaseState, grantRevision: UInt64, keys: [LeaseKey] = []) {
        self.id = id
        self.name = name
        self.ttl = ttl
        self.state = state
        self.grantRevision = grantRevision
        self.keys = keys
    }

    /// The position of the key named `name`, or where it would be inserted.
    func keyPosition(_ name: [UInt8]) -> (index: Int, found: Bool) {
        var low = 0
        var high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid].name.lexicographicallyPrecedes(name) { low = mid + 1 } else { high = mid }
        }
        return (low, low < keys.count && keys[low].name == name)
    }

    /// The key named `name`, if live.
    func key(named name: [UInt8]) -> LeaseKey? {
        let position = keyPosition(name)
        return position.found ? keys[position.index] : nil
    }

    /// The encoding: `fixed32 metaSize | fixed32 valueSize | meta | value`.
    func encoded() -> [UInt8] {
        var meta: [UInt8] = []
        meta.reserveCapacity(32 + name.count)
        meta.append(Self.formatVersion)
        ByteWriter.appendFixed64(&meta, id)
        ByteWriter.appendFixed32(&meta, ttl)
        meta.append(state.rawValue)
        ByteWriter.appendFixed32(&meta, UInt32(truncatingIfNeeded: keys.count))
        ByteWriter.appendVarint(&meta, grantRevision)
        ByteWriter.appendBytes(&meta, name)

        var value: [UInt8] = []
        value.reserveCapacity(keys.reduce(4) { $0 + $1.name.count + $1.data.count + 14 })
        ByteWriter.appendVarint(&value, UInt64(keys.count))
        for key in keys {
            ByteWriter.appendBytes(&value, key.name)
            ByteWriter.appendBytes(&value, key.data)
            ByteWriter.appendVarint(&value, key.revision)
        }

        var record: [UInt8] = []
        record.reserveCapacity(8 + meta.count + value.count)
        ByteWriter.appendFixed32(&record, UInt32(meta.count))
        ByteWriter.appendFixed32(&record, UInt32(value.count))
        record += meta
        record += value
        return record
    }

    /// Decodes a record, checking every length against the bytes there are.
    ///
    /// - Throws: ``StateMachineError/corruptRecord(_:)`` naming what is wrong.
    init(decoding bytes: [UInt8]) throws(StateMachineError) {
        var reader = ByteParser(bytes)
        guard let metaSize = reader.fixed32(), let valueSize = reader.fixed32(),
            Int(metaSize) + Int(valueSize) == reader.remaining
        else { throw .corruptRecord("lease record sizes do not match its length") }
        guard let version = reader.byte(), version == Self.formatVersion else {
            throw .corruptRecord("unknown lease record version")
        }
        guard let id = reader.fixed64(), let ttl = reader.fixed32(), let stateByte = reader.byte(),
            let state = LeaseState(rawValue: stateByte), let liveKeys = reader.fixed32(),
            let grantRevision = reader.varint(), let name = reader.lengthPrefixed(),
            reader.offset == 8 + Int(metaSize)
        else { throw .corruptRecord("malformed lease meta") }
        guard let count = reader.varint(), count == UInt64(liveKeys), count <= UInt64(reader.remaining) else {
            throw .corruptRecord("malformed lease key count")
        }
        var keys: [LeaseKey] = []
        keys.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let keyName = reader.lengthPrefixed(), let data = reader.lengthPrefixed(),
                let revision = reader.varint()
            else { throw .corruptRecord("malformed lease key") }
            if let last = keys.last, !last.name.lexicographicallyPrecedes(keyName) {
                throw .corruptRecord("lease keys out of order")
            }
            keys.append(LeaseKey(name: keyName, data: data, revision: revision))
        }
        guard reader.remaining == 0 else { throw .corruptRecord("trailing bytes after lease keys") }
        self.init(id: id, name: name, ttl: ttl, state: state, grantRevision: grantRevision, keys: keys)
    }
}
