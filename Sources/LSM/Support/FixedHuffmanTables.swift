/// The lookup tables of the fixed Huffman codes (RFC 1951, 3.2.6), indexed by the next input bits
/// (least significant first), so one load decodes a symbol.
enum FixedHuffmanTables {
    // Entry kinds, in bits 6–7 of a literal/length entry; every kind but a literal also sets the top
    // bit, so the decoding loop tells a literal by one bit test.

    /// A literal byte (in bits 16–23).
    static let literal: UInt32 = 0x00
    /// A match length code (base in bits 16–24, extra bit count in bits 8–11).
    static let length: UInt32 = 0x8000_0040
    /// The end of the block (symbol 256).
    static let endOfBlock: UInt32 = 0x8000_0080
    /// Symbols 286 and 287, which no valid stream holds.
    static let invalid: UInt32 = 0x8000_00C0
    /// The bits that hold an entry's kind.
    static let kindMask: UInt32 = 0x8000_00C0
    /// The bit set in every entry that is not a literal.
    static let notLiteral: UInt32 = 0x8000_0000

    /// 512 entries for the 9 next bits: code length in bits 0–5, kind in bits 6–7, for a length
    /// symbol its extra bit count in bits 8–11, and the literal byte or the base length in bits 16–24.
    ///
    /// `nonisolated(unsafe)`: written once by the lazy static initializer (which Swift runs exactly
    /// once, thread-safely) and only read afterwards; a raw pointer spares the decoding loop an array
    /// retain and a bounds check per symbol. Never freed.
    nonisolated(unsafe) static let literalLength: UnsafePointer<UInt32> = {
        let table = UnsafeMutablePointer<UInt32>.allocate(capacity: 512)
        table.initialize(repeating: 0, count: 512)
        let lengthBases = [
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
            227, 258,
        ]
        let lengthExtras = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        for symbol in 0..<288 {
            let code: Int
            let codeLength: Int
            switch symbol {
            case 0..<144: (code, codeLength) = (0x30 + symbol, 8)
            case 144..<256: (code, codeLength) = (0x190 + symbol - 144, 9)
            case 256..<280: (code, codeLength) = (symbol - 256, 7)
            default: (code, codeLength) = (0xC0 + symbol - 280, 8)
            }
            var entry = UInt32(codeLength)
            switch symbol {
            case 0..<256: entry |= literal | UInt32(symbol) << 16
            case 256: entry |= endOfBlock
            case 257...285:
                let index = symbol - 257
                entry |= length | UInt32(lengthExtras[index]) << 8 | UInt32(lengthBases[index]) << 16
            default: entry |= invalid
            }
            let reversed = reverseBits(code, count: codeLength)
            for high in 0..<(1 << (9 - codeLength)) {
                table[reversed | high << codeLength] = entry
            }
        }
        return UnsafePointer(table)
    }()

    /// 32 entries for the 5 next bits: the distance's extra bit count in bits 0–3 and its base from
    /// bit 16; 0 for the two invalid codes. Unsafe and never freed, as ``literalLength``.
    nonisolated(unsafe) static let distance: UnsafePointer<UInt32> = {
        let table = UnsafeMutablePointer<UInt32>.allocate(capacity: 32)
        table.initialize(repeating: 0, count: 32)
        var base = 1
        for symbol in 0..<30 {
            let extra = symbol < 2 ? 0 : symbol / 2 - 1
            table[reverseBits(symbol, count: 5)] = UInt32(extra) | UInt32(base) << 16
            base += 1 << extra
        }
        return UnsafePointer(table)
    }()

    private static func reverseBits(_ value: Int, count: Int) -> Int {
        var reversed = 0
        for bit in 0..<count where value & (1 << bit) != 0 {
            reversed |= 1 << (count - 1 - bit)
        }
        return reversed
    }
}
