import CCRC32C

/// CRC-32C (Castagnoli), the checksum of every page.
///
/// The CPU's CRC32 instruction computes it where available (through the C target `CCRC32C`, shared with
/// the LSM engine); otherwise a byte-at-a-time table loop does. Stored checksums are *masked* as in the
/// rest of the project (LevelDB's rotation and offset), so a page of zeros never checks out.
enum CRC32C {
    /// The reflected Castagnoli polynomial.
    private static let polynomial: UInt32 = 0x82F6_3B78

    /// Byte-at-a-time lookup table for the software fallback.
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
        return crc
    }

    /// Whether the CPU's CRC32 instruction is used.
    static let usesHardware = lsm_crc32c_hardware_available() != 0

    /// The CRC-32C of `bytes`.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        if usesHardware { return lsm_crc32c_hardware_extend(0, base, bytes.count) }
        return softwareChecksum(bytes)
    }

    /// ``checksum(_:)`` computed by the table loop, without the CPU instruction.
    static func softwareChecksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for byte in bytes {
                crc = t[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8)
            }
        }
        return ~crc
    }

    private static let maskDelta: UInt32 = 0xa282_ead8

    /// The form in which a CRC is stored on disk.
    @inline(__always)
    static func mask(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ maskDelta
    }
}
