@testable import Raft

/// The simulated application: a map of keys to values plus the set of op ids applied (so the checks
/// can ask whether an acknowledged write took effect). Its snapshot is its whole state.
struct KVStateMachine: Equatable {
    var values: [UInt64: UInt64] = [:]
    var appliedOps: Set<UInt64> = []

    mutating func apply(_ command: KVCommand) {
        values[command.key] = command.value
        appliedOps.insert(command.op)
    }

    func snapshot() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeVarint(UInt64(values.count))
        for key in values.keys.sorted() {
            writer.writeVarint(key)
            writer.writeVarint(values[key] ?? 0)
        }
        writer.writeVarint(UInt64(appliedOps.count))
        for op in appliedOps.sorted() { writer.writeVarint(op) }
        return writer.bytes
    }

    init() {}

    init(snapshot bytes: [UInt8]) throws {
        var reader = ByteReader(bytes)
        let count = try reader.readCount("values", minimumItemSize: 2)
        for _ in 0..<count {
            let key = try reader.readVarint("key")
            values[key] = try reader.readVarint("value")
        }
        let ops = try reader.readCount("ops", minimumItemSize: 1)
        for _ in 0..<ops { appliedOps.insert(try reader.readVarint("op")) }
        try reader.expectEnd("snapshot")
    }
}
