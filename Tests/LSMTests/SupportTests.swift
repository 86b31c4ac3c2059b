import Testing

@testable import LSM

@Suite("Support: checksums and integer coding")
struct SupportTests {
    @Test("CRC-32C matches the published check values")
    func crcKnownValues() {
        // RFC 3720 B.4 and the common "123456789" check value.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xff, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test("CRC-32C extends across splits at any offset")
    func crcExtend() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = CRC32C.checksum(data)
        for split in [0, 1, 3, 7, 8, 9, 500, 999, 1000] {
            let crc = data.withUnsafeBytes { raw in
                CRC32C.extend(
                    CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<split])),
                    UnsafeRawBufferPointer(rebasing: raw[split...]))
            }
            #expect(crc == whole, "split at \(split)")
        }
        #expect(CRC32C.unmask(CRC32C.mask(whole)) == whole)
        #expect(CRC32C.mask(whole) != whole)
    }

    @Test("the hardware and software CRC-32C agree on random data of every length and alignment")
    func crcHardwareMatchesSoftware() {
        var random = SeededGenerator(seed: testSeed(default: 99))
        let data = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &random) }
        data.withUnsafeBytes { raw in
            for start in 0..<9 {
                for length in [0, 1, 7, 8, 9, 15, 16, 63, 64, 1000, 4096, 4990] where start + length <= raw.count {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                    #expect(
                        CRC32C.extend(0x1234_5678, slice) == CRC32C.softwareExtend(0x1234_5678, slice),
                        "start \(start) length \(length)")
                }
            }
        }
    }

    @Test("varints round-trip and malformed ones are rejected")
    func varints() {
        let values: [UInt64] = [0, 1, 127, 128, 300, 16383, 16384, 1 << 32, UInt64.max]
        var buffer: [UInt8] = []
        for v in values { Coding.appendVarint64(&buffer, v) }
        buffer.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            for v in values { #expect(reader.readVarint64() == v) }
            #expect(reader.isAtEnd)
        }
        // A varint whose continuation bit never clears is malformed, not a trap.
        let bad = [UInt8](repeating: 0xff, count: 11)
        bad.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            #expect(reader.readVarint64() == nil)
        }
    }

    @Test("internal keys order by user key, then newest sequence first")
    func internalKeyOrder() {
        let a5 = InternalKey.make(Array("a".utf8), sequence: 5, type: .value)
        let a9 = InternalKey.make(Array("a".utf8), sequence: 9, type: .value)
        let b1 = InternalKey.make(Array("b".utf8), sequence: 1, type: .deletion)
        #expect(InternalKey.compare(a9, a5) < 0)
        #expect(InternalKey.compare(a5, b1) < 0)
        #expect(InternalKey.compare(a5, a5) == 0)
    }

    @Test("a write batch round-trips through its encoding")
    func writeBatch() throws {
        var batch = WriteBatch()
        batch.put(Array("k1".utf8), Array("v1".utf8))
        batch.delete(Array("k2".utf8))
        batch.sequence = 42
        #expect(batch.count == 2)
        let copy = try WriteBatch(decoding: batch.representation)
        var ops: [String] = []
        try copy.forEach { type, key, value in
            ops.append(
                "\(type.rawValue):\(String(decoding: key, as: UTF8.self))=\(String(decoding: value, as: UTF8.self))")
        }
        #expect(ops == ["1:k1=v1", "0:k2="])
        #expect(copy.sequence == 42)
        var truncated = batch.representation
        truncated.removeLast()
        #expect(throws: WriteBatchDecodingError.self) { try WriteBatch(decoding: truncated) }
    }
}
