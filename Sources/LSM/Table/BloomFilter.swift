/// The bloom filter of a table: one filter over the user keys of all its entries, checked before a
/// point lookup reads any block, so that a lookup skips tables that cannot hold its key.
///
/// Format: `bits (ceil(n * bitsPerKey / 8) bytes, at least 8) | k (1 byte)`. A key's 64-bit hash
/// (XXH64, seed 0) gives `h`, its low 32 bits, and `delta`, its high 32 bits; probe `i` (0 ..< k)
/// tests bit `((h + i * delta) mod 2^32) * bitCount >> 32` — LevelDB's double hashing, with the
/// remainder replaced by a multiply-shift (cheaper than a division) and a second independent
/// hash half instead of a rotation as the step.
enum BloomFilter {
    /// The number of probes for `bitsPerKey`: `bitsPerKey * ln 2` (rounded down), clamped to 1...30,
    /// which minimises the false positive rate (about 1% at 10 bits per key).
    static func probeCount(bitsPerKey: Int) -> Int {
        min(max(bitsPerKey * 69 / 100, 1), 30)
    }

    /// Appends the filter for the keys whose ``hash(_:)`` values are `hashes` to `buffer`.
    static func build(hashes: [UInt64], bitsPerKey: Int, into buffer: ByteBuffer) {
        let k = probeCount(bitsPerKey: bitsPerKey)
        // Below 64 bits a small set would see a very high false positive rate.
        let byteCount = (max(hashes.count * bitsPerKey, 64) + 7) / 8
        let bitCount = UInt64(byteCount * 8)
        buffer.reserve(byteCount + 1)
        let bits = buffer.tail
        bits.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        for hash in hashes {
            var h = UInt32(truncatingIfNeeded: hash)
            let delta = UInt32(truncatingIfNeeded: hash >> 32)
            for _ in 0..<k {
                let position = Int((UInt64(h) &* bitCount) >> 32)
                let byte = bits.load(fromByteOffset: position >> 3, as: UInt8.self)
                bits.storeBytes(of: byte | UInt8(1) << (position & 7), toByteOffset: position >> 3, as: UInt8.self)
                h &+= delta
            }
        }
        buffer.advance(by: byteCount)
        buffer.append(byte: UInt8(k))
    }

    /// Whether the key with hash `hash` may be in the set `filter` was built from. `false` is
    /// certain; `true` may be a false positive. A filter with a probe count this code does not know
    /// (reserved for other encodings) answers `true`.
    @inline(__always)
    static func mayContain(hash: UInt64, filter: UnsafeRawBufferPointer) -> Bool {
        guard filter.count >= 2, let bits = filter.baseAddress else { return true }
        let k = Int(bits.load(fromByteOffset: filter.count - 1, as: UInt8.self))
        guard k >= 1 && k <= 30 else { return true }
        let bitCount = UInt64((filter.count - 1) * 8)
        var h = UInt32(truncatingIfNeeded: hash)
        let delta = UInt32(truncatingIfNeeded: hash >> 32)
        for _ in 0..<k {
            let position = Int((UInt64(h) &* bitCount) >> 32)
            if bits.load(fromByteOffset: position >> 3, as: UInt8.self) & (UInt8(1) << (position & 7)) == 0 {
                return false
            }
            h &+= delta
        }
        return true
    }

    // MARK: - XXH64

    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always)
    private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotl(accumulator &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func mergeRound(_ accumulator: UInt64, _ value: UInt64) -> UInt64 {
        (accumulator ^ round(0, value)) &* prime1 &+ prime4
    }

    /// XXH64 of `key` with seed 0: the hash the filter is built on (part of the file format).
    static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var n = key.count
        guard var p = key.baseAddress, n > 0 else { return avalanche(prime5) }
        var h: UInt64
        if n >= 32 {
            var v1 = prime1 &+ prime2
            var v2 = prime2
            var v3: UInt64 = 0
            var v4: UInt64 = 0 &- prime1
            repeat {
                v1 = round(v1, Coding.loadFixed64(p))
                v2 = round(v2, Coding.loadFixed64(p + 8))
                v3 = round(v3, Coding.loadFixed64(p + 16))
                v4 = round(v4, Coding.loadFixed64(p + 24))
                p += 32
                n -= 32
            } while n >= 32
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = mergeRound(h, v1)
            h = mergeRound(h, v2)
            h = mergeRound(h, v3)
            h = mergeRound(h, v4)
        } else {
            h = prime5
        }
        h &+= UInt64(key.count)
        while n >= 8 {
            h ^= round(0, Coding.loadFixed64(p))
            h = rotl(h, 27) &* prime1 &+ prime4
            p += 8
            n -= 8
        }
        if n >= 4 {
            h ^= UInt64(Coding.loadFixed32(p)) &* prime1
            h = rotl(h, 23) &* prime2 &+ prime3
            p += 4
            n -= 4
        }
        while n > 0 {
            h ^= UInt64(p.load(as: UInt8.self)) &* prime5
            h = rotl(h, 11) &* prime1
            p += 1
            n -= 1
        }
        return avalanche(h)
    }

    @inline(__always)
    private static func avalanche(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h &*= prime2
        h ^= h >> 29
        h &*= prime3
        h ^= h >> 32
        return h
    }
}
