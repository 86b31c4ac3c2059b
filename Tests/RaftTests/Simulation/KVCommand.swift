@testable import Raft

/// A write to the simulated key-value state machine: `put(key, value)` tagged with a unique op id.
struct KVCommand: Hashable {
    var op: UInt64
    var key: UInt64
    var value: UInt64

    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.writeByte(0x4B)
        writer.writeVarint(op)
        writer.writeVarint(key)
        writer.writeVarint(value)
        return writer.bytes
    }

    init(op: UInt64, key: UInt64, value: UInt64) {
        self.op = op
        self.key = key
        self.value = value
    }

    init?(decoding bytes: [UInt8]) {
        var reader = ByteReader(bytes)
        guard (try? reader.readByte("tag")) == 0x4B,
            let op = try? reader.readVarint("op"),
            let key = try? reader.readVarint("key"),
            let value = try? reader.readVarint("value"),
            reader.isAtEnd
        else { return nil }
        self.init(op: op, key: key, value: value)
    }
}
