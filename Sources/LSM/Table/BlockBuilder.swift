/// Builds one block of sorted key/value entries with prefix-compressed keys (LevelDB's data block).
///
/// Each entry is `varint32 shared | varint32 nonShared | varint32 valueLength | key[shared...] |
/// value`, where `shared` is the length of the prefix the key has in common with the previous key.
/// Every `restartInterval` entries the full key is stored (`shared == 0`) and the entry's offset is
/// recorded as a restart point, so a reader can binary-search the restart points and decode forward
/// from one. The block ends with the restart offsets (fixed32 each) and their count (fixed32).
///
/// The builder's memory is reused from block to block; adding an entry allocates nothing once the
/// buffers have grown to the block size.
final class BlockBuilder {
    private let restartInterval: Int
    private let buffer = ByteBuffer(capacity: 8 << 10)
    @exclusivity(unchecked) private var restarts: [UInt32] = [0]
    /// Entries added since the last restart point.
    @exclusivity(unchecked) private var sinceRestart = 0
    private let lastKeyBuffer = ByteBuffer(capacity: 64)
    @exclusivity(unchecked) private var finished = false
    /// Entries added since the last reset.
    @exclusivity(unchecked) private(set) var entryCount = 0

    init(restartInterval: Int) {
        precondition(restartInterval >= 1, "restart interval must be at least 1")
        self.restartInterval = restartInterval
        restarts.reserveCapacity(256)
    }

    /// Empties the builder for the next block.
    func reset() {
        buffer.removeAll()
        restarts.removeAll(keepingCapacity: true)
        restarts.append(0)
        sinceRestart = 0
        lastKeyBuffer.removeAll()
        finished = false
        entryCount = 0
    }

    /// Whether no entry was added since the last reset.
    var isEmpty: Bool { entryCount == 0 }

    /// The key most recently added.
    var lastKey: UnsafeRawBufferPointer { lastKeyBuffer.bytes }

    /// The offsets of the restart entries, the first always 0: where a block compressed in segments
    /// may start one (``TableBuilder``).
    var restartOffsets: [UInt32] { restarts }

    /// The size the block would have if finished now.
    var estimatedSize: Int { buffer.count + restarts.count * 4 + 4 }

    /// Appends an entry. Keys must arrive in increasing order (the caller's duty).
    func add(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        precondition(!finished, "add after finish without reset")
        var shared = 0
        if sinceRestart < restartInterval {
            shared = commonPrefixLength(lastKeyBuffer.bytes, key)
        } else {
            restarts.append(UInt32(truncatingIfNeeded: buffer.count))
            sinceRestart = 0
        }
        let nonShared = key.count - shared

        buffer.reserve(15 + nonShared + value.count)
        var p = buffer.tail
        p += Coding.storeVarint64(p, UInt64(shared))
        p += Coding.storeVarint64(p, UInt64(nonShared))
        p += Coding.storeVarint64(p, UInt64(value.count))
        if nonShared > 0, let k = key.baseAddress {
            p.copyMemory(from: k + shared, byteCount: nonShared)
            p += nonShared
        }
        if value.count > 0, let v = value.baseAddress {
            p.copyMemory(from: v, byteCount: value.count)
            p += value.count
        }
        buffer.advance(by: p - buffer.tail)

        lastKeyBuffer.truncate(to: shared)
        if nonShared > 0, let k = key.baseAddress {
            lastKeyBuffer.append(UnsafeRawBufferPointer(start: k + shared, count: nonShared))
        }
        sinceRestart += 1
        entryCount += 1
    }

    /// Appends the restart array and returns the finished block's bytes, valid until ``reset()``.
    func finish() -> UnsafeRawBufferPointer {
        if !finished {
            buffer.reserve(restarts.count * 4 + 4)
            for restart in restarts { buffer.appendFixed32(restart) }
            buffer.appendFixed32(UInt32(truncatingIfNeeded: restarts.count))
            finished = true
        }
        return buffer.bytes
    }
}

/// The length of the longest common prefix of `a` and `b`, compared eight bytes at a time.
@inline(__always)
func commonPrefixLength(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    guard n > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return 0 }
    var i = 0
    while i + 8 <= n {
        let x =
            pa.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            ^ pb.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        if x != 0 { return i + UInt64(littleEndian: x).trailingZeroBitCount / 8 }
        i += 8
    }
    while i < n && pa.load(fromByteOffset: i, as: UInt8.self) == pb.load(fromByteOffset: i, as: UInt8.self) {
        i += 1
    }
    return i
}
