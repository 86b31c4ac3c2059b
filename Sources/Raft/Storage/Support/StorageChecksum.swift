import CCRC32C

/// CRC-32C (Castagnoli) for Raft's files: the CPU's CRC32 instruction through the C target `CCRC32C`,
/// or a byte-at-a-time table where the CPU lacks it.
///
/// Stored checksums are masked as LevelDB does (and as the LSM's files are), so that a CRC computed
/// over bytes that themselves contain CRCs does not degenerate.
enum StorageChecksum {
    /// Whether the CPU's CRC32 instruction is used.
    static let usesHardware = lsm_crc32c_hardware_available() != 0

    /// The byte-at-a-time table of the reflected polynomial 0x82F63B78.
    private static let table: [UInt32] = (0..<256).map { byte -> UInt32 in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// Extends `crc` (the CRC of some earlier bytes, `0` for none) with `bytes`.
    static func extend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        if usesHardware { return lsm_crc32c_hardware_extend(crc, base, bytes.count) }
        return softwareExtend(crc, bytes)
    }

    /// ``extend(_:_:)`` without the CPU instruction.
    static func softwareExtend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        table.withUnsafeBufferPointer { t in
            for byte in bytes { c = t[Int((c ^ UInt32(byte)) & 0xff)] ^ (c >> 8) }
        }
        return ~c
    }

    /// Extends `crc` with `bytes`.
    static func extend(_ crc: UInt32, _ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { extend(crc, $0) }
    }

    private static let maskDelta: UInt32 = 0xa282_ead8

    /// The form in which a CRC is stored on disk.
    static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ maskDelta
    }
}
