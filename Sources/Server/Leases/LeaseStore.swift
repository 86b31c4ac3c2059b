import LSM

/// The leases of the replicated state, kept in the LSM engine.
///
/// Key space of the LSM directory (all keys are raw bytes):
/// - `fixed64BE(id)`: the ``LeaseRecord`` of lease `id`. Snowflake ids have their top bit clear, so
///   these keys all start with a byte below 0x80 and sort by id.
/// - `0xFF | name | fixed64BE(id)`: the name index, an empty value. A prefix query by name scans
///   `0xFF | prefix` only, so it costs what matches, not every lease.
/// - `0xFE | "applied"`: fixed64 of the last Raft index applied here, written in the same batch as
///   every change so that a restart knows exactly which log entries this engine has already seen.
///
/// Applying is single-threaded (the Raft apply loop); reads may come from any thread.
final class LeaseStore: Sendable {
    static let nameIndexPrefix: UInt8 = 0xFF
    static let appliedKey: [UInt8] = [0xFE] + Array("applied".utf8)

    private let db: LSMStore

    /// Opens (or creates) the lease store in `directory`.
    init(directory: String, options: LSMOptions = LSMOptions()) throws {
        db = try LSMStore(directory: directory, options: options)
    }

    /// Closes the LSM.
    func close() throws { try db.close() }

    /// The last Raft index applied to the leases.
    func appliedIndex() throws -> UInt64 {
        guard let bytes = try db.get(Self.appliedKey) else { return 0 }
        var reader = ByteParser(bytes)
        guard let index = reader.fixed64() else { throw StateMachineError.corruptRecord("bad applied index") }
        return index
    }

    /// Records `index` as applied (a batch that had no lease command still moves the marker, so a
    /// restart need not replay it); `sync` makes it and everything before it durable.
    func markApplied(_ index: UInt64, sync: Bool) throws {
        var applied: [UInt8] = []
        ByteWriter.appendFixed64(&applied, index)
        try db.put(Self.appliedKey, applied, sync: sync)
    }

    /// Calls `body` with every key and value of the store, in key order, without copying them (for
    /// snapshots).
    func forEachRaw(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        let iterator = try db.makeIterator()
        while try iterator.next({ key, value in try body(key, value) }) != nil {}
    }

    /// Writes raw pairs (a snapshot's) in one batch.
    func writeRaw(_ batch: WriteBatch, sync: Bool) throws {
        try db.write(batch, sync: sync)
    }

    // MARK: Keys

    static func recordKey(_ id: UInt64) -> [UInt8] {
        withUnsafeBytes(of: id.bigEndian) { Array($0) }
    }

    static func indexKey(name: [UInt8], id: UInt64) -> [UInt8] {
        var key: [UInt8] = [nameIndexPrefix]
        key.reserveCapacity(9 + name.count)
        key += name
        withUnsafeBytes(of: id.bigEndian) { key.append(contentsOf: $0) }
        return key
    }

    // MARK: Reads

    /// Lease `id`, or `nil` when there is none.
    func lease(_ id: UInt64) throws -> LeaseRecord? {
        guard let bytes = try db.get(Self.recordKey(id)) else { return nil }
        return try LeaseRecord(decoding: bytes)
    }

    /// Every lease, by id.
    func allLeases() throws -> [LeaseRecord] {
        try db.scan(from: Self.recordKey(0), to: [0x80]).map { try LeaseRecord(decoding: $0.value) }
    }

    /// The leases whose name starts with `prefix`, found through the name index.
    func leases(namePrefix prefix: [UInt8]) throws -> [LeaseRecord] {
        var leases: [LeaseRecord] = []
        for (key, _) in try db.scan(prefix: [Self.nameIndexPrefix] + prefix) {
            guard key.count >= 9 else { throw StateMachineError.corruptRecord("short lease name index key") }
            var id: UInt64 = 0
            for byte in key[(key.count - 8)...] { id = id << 8 | UInt64(byte) }
            // The index and the record are written in one batch; a missing record is damage.
            guard let record = try lease(id) else {
                throw StateMachineError.corruptRecord("name index names lease \(id), which is missing")
            }
            leases.append(record)
        }
        return leases
    }

    /// The largest lease id stored (the snowflake generator's floor after a restart).
    func largestLeaseID() throws -> UInt64 {
        var largest: UInt64 = 0
        for lease in try allLeases() { largest = max(largest, lease.id) }
        return largest
    }

    // MARK: Apply

    /// Applies a lease command at Raft index `index`, in one atomic LSM write that also records the
    /// index. Commands that are not about leases are refused by the caller, not here.
    func apply(_ command: Command, at index: UInt64) throws -> ApplyOutcome {
        var batch = WriteBatch()
        let outcome: ApplyOutcome
        switch command {
        case .grant(let id, let name, let ttl):
            if try lease(id) != nil {
                outcome = .conflict
            } else {
                let record = LeaseRecord(id: id, name: name, ttl: ttl, state: .created, grantRevision: index)
                batch.put(Self.recordKey(id), record.encoded())
                batch.put(Self.indexKey(name: name, id: id), [])
                outcome = .done
            }
        case .keepalive(let id, let key, let data):
            if var record = try lease(id) {
                let position = record.keyPosition(key)
                let updated = LeaseKey(name: key, data: data, revision: index)
                if position.found {
                    record.keys[position.index] = updated
                } else {
                    record.keys.insert(updated, at: position.index)
                }
                record.state = .alive
                batch.put(Self.recordKey(id), record.encoded())
                outcome = .done
            } else {
                outcome = .notFound
            }
        case .revoke(let id):
            if let record = try lease(id) {
                delete(record, in: &batch)
                outcome = .done
            } else {
                outcome = .notFound
            }
        case .expire(let expiries):
            try expire(expiries, in: &batch)
            outcome = .done
        case .put, .delete, .setMember, .removeMember:
            return .notFound
        }
        var applied: [UInt8] = []
        ByteWriter.appendFixed64(&applied, index)
        batch.put(Self.appliedKey, applied)
        try db.write(batch)
        return outcome
    }

    private func delete(_ record: LeaseRecord, in batch: inout WriteBatch) {
        batch.delete(Self.recordKey(record.id))
        batch.delete(Self.indexKey(name: record.name, id: record.id))
    }

    /// Removes every expired key whose revision still matches, then every alive lease left without a
    /// key and every never-kept-alive lease whose grant the expiry names. Expiries of one lease are
    /// folded into one record write.
    private func expire(_ expiries: [LeaseExpiry], in batch: inout WriteBatch) throws {
        var changed: [UInt64: LeaseRecord] = [:]
        var order: [UInt64] = []
        var unused: Set<UInt64> = []
        for expiry in expiries {
            guard var record = try changed[expiry.lease] ?? lease(expiry.lease) else { continue }
            if changed[expiry.lease] == nil { order.append(expiry.lease) }
            if let key = expiry.key {
                let position = record.keyPosition(key)
                if position.found && record.keys[position.index].revision == expiry.revision {
                    record.keys.remove(at: position.index)
                }
            } else if record.state == .created && record.grantRevision == expiry.revision {
                unused.insert(record.id)
            }
            changed[expiry.lease] = record
        }
        for id in order {
            guard let record = changed[id] else { continue }
            if unused.contains(id) || (record.state == .alive && record.keys.isEmpty) {
                delete(record, in: &batch)
            } else {
                batch.put(Self.recordKey(id), record.encoded())
            }
        }
    }
}
