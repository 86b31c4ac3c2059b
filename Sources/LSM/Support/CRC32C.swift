import CCRC32C

/// CRC-32C (Castagnoli), the checksum of every WAL record, table block and manifest record.
///
/// On CPUs with SSE4.2 the CRC32 instruction computes it (through the small C target `CCRC32C`);
/// elsewhere a table-driven "slicing by 8" loop in Swift consumes 8 bytes per step.
/// Stored checksums are *masked* (as LevelDB does) so that a CRC computed over bytes that themselves
/// contain CRCs does not degenerate.
enum CRC32C {
    private static let polynomial: UInt32 = 0x82F6_3B78

    /// `tables[k * 256 + b]`: the CRC contribution of byte `b` seen `k` bytes before the end of a word.
    // Written once by the lazy initializer, read-only afterwards.
    nonisolated(unsafe) private static let tables: UnsafeMutablePointer<UInt32> = {
        let t = UnsafeMutablePointer<UInt32>.allocate(capacity: 8 * 256)
        for i in 0..<256 {
            var crc = UInt32(i)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
            t[i] = crc
        }
        for i in 0..<256 {
            var crc = t[i]
            for k in 1..<8 {
                crc = t[Int(crc & 0xff)] ^ (crc >> 8)
                t[k * 256 + i] = crc
            }
        }
        return t
    }()

    /// Whether the CPU's CRC32 instruction is used.
    static let usesHardware = lsm_crc32c_hardware_available() != 0

    /// Extends `crc` (the CRC of some earlier bytes, `0` for none) with `bytes`.
    @inline(__always)
    static func extend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard usesHardware, let base = bytes.baseAddress else { return softwareExtend(crc, bytes) }
        return lsm_crc32c_hardware_extend(crc, base, bytes.count)
    }

    /// ``extend(_:_:)`` computed by the table-driven loop, without the CPU instruction.
    static func softwareExtend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard var p = bytes.baseAddress else { return crc }
        var n = bytes.count
        let t = tables
        var c = ~crc
        while n > 0 && (UInt(bitPattern: p) & 7) != 0 {
            c = t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xff)] ^ (c >> 8)
            p += 1
            n -= 1
        }
        while n >= 8 {
            let word = UInt64(littleEndian: p.load(as: UInt64.self))
            let lo = UInt32(truncatingIfNeeded: word) ^ c
            let hi = UInt32(truncatingIfNeeded: word >> 32)
            c =
                t[7 * 256 + Int(lo & 0xff)] ^ t[6 * 256 + Int((lo >> 8) & 0xff)]
                ^ t[5 * 256 + Int((lo >> 16) & 0xff)] ^ t[4 * 256 + Int(lo >> 24)]
                ^ t[3 * 256 + Int(hi & 0xff)] ^ t[2 * 256 + Int((hi >> 8) & 0xff)]
                ^ t[1 * 256 + Int((hi >> 16) & 0xff)] ^ t[Int(hi >> 24)]
            p += 8
            n -= 8
        }
        while n > 0 {
            c = t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xff)] ^ (c >> 8)
            p += 1
            n -= 1
        }
        return ~c
    }

    /// The CRC-32C of `bytes`.
    @inline(__always)
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        extend(0, bytes)
    }

    /// The CRC-32C of `bytes`.
    @inline(__always)
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { extend(0, $0) }
    }

    private static let maskDelta: UInt32 = 0xa282_ead8

    /// The form in which a CRC is stored on disk.
    @inline(__always)
    static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ maskDelta
    }

    /// Inverse of ``mask(_:)``.
    @inline(__always)
    static func unmask(_ masked: UInt32) -> UInt32 {
        let rot = masked &- maskDelta
        return (rot >> 17) | (rot << 15)
    }
}
