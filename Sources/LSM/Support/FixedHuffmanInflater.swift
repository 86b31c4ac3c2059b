/// A decoder for raw deflate streams (RFC 1951) whose blocks are stored or use the fixed Huffman
/// codes — what ``Zlib`` writes for nearly every table block — that can stop as soon as enough
/// output is ready (DESIGN.md, "Inflating table blocks").
///
/// A point read that misses the block cache needs only the bytes up to one entry; zlib's `inflate`
/// stops only at the end of its input or output, and fed a little at a time it ends every call in
/// its slow decoding loop. Decoding only fixed codes needs no code tables built per block: two small
/// constant tables, read a symbol at a time from a 64-bit bit buffer refilled eight bytes at once.
/// On whole blocks it is about 5% faster than zlib (Huffman decoding is a chain of dependent table
/// loads either way).
///
/// A block with dynamic codes raises ``Failure/dynamicCodes``: the caller then inflates the whole
/// stream with zlib instead. Every other problem — a reserved block type, an invalid code, a
/// distance reaching before the output's start, output beyond the buffer, input that ends too
/// soon — is ``Failure/corrupt(_:)``; the decoder never reads or writes outside its buffers.
///
/// The decoder is resumable: ``decode(until:)`` returns once `target` bytes are out (a match may
/// overshoot it), and a later call goes on from there.
struct FixedHuffmanInflater {
    /// Why decoding stopped short of the stream's end.
    enum Failure: Error {
        /// A block uses dynamic Huffman codes, which this decoder leaves to zlib.
        case dynamicCodes
        /// The stream is malformed.
        case corrupt(StaticString)
    }

    /// What ``decode(until:)`` reached.
    enum Progress {
        /// At least the requested number of bytes is out; the stream goes on.
        case reachedTarget
        /// The final block ended; ``produced`` bytes are out.
        case streamEnded
    }

    /// Where the decoder is between calls.
    private enum Phase {
        /// Before a block header.
        case header
        /// Inside a fixed-code block.
        case fixed
        /// Inside a stored block with this many bytes left to copy.
        case stored(Int)
        /// After the final block.
        case ended
    }

    private let inputEnd: UnsafeRawPointer
    /// The next input byte not yet in `bits`.
    private var next: UnsafeRawPointer
    /// Input bits not yet consumed, the next one lowest.
    private var bits: UInt64 = 0
    /// How many bits of `bits` are valid.
    private var bitCount = 0
    /// Zero bytes put into `bits` after the input ran out; consuming any of them means the input was
    /// cut short.
    private var paddingBytes = 0
    private let output: UnsafeMutableRawPointer
    private let capacity: Int
    /// Bytes written to `output` so far.
    private(set) var produced = 0
    private var phase = Phase.header
    private var sawFinalBlock = false

    /// A decoder of the raw deflate stream of `inputCount` bytes at `input` into the `capacity`
    /// bytes at `output`, which bound the output. Both must stay valid while the decoder is used.
    init(input: UnsafeRawPointer, inputCount: Int, output: UnsafeMutableRawPointer, capacity: Int) {
        next = input
        inputEnd = input + inputCount
        self.output = output
        self.capacity = capacity
    }

    /// Decodes until at least `target` bytes are out or the stream ends (pass `Int.max` to decode
    /// the whole stream).
    mutating func decode(until target: Int) throws(Failure) -> Progress {
        while true {
            switch phase {
            case .ended:
                return .streamEnded
            case .header:
                if sawFinalBlock {
                    phase = .ended
                    return .streamEnded
                }
                try readBlockHeader()
            case .fixed:
                if produced >= target { return .reachedTarget }
                try decodeFixedSymbols(until: target)
            case .stored(let remaining):
                if produced >= target && remaining > 0 { return .reachedTarget }
                try copyStored(remaining, until: target)
            }
        }
    }

    // MARK: - Bits

    /// Tops `bits` up to at least 56 valid bits, padding with zero bytes past the input's end.
    @inline(__always)
    private mutating func refill() {
        // The eight-byte load below is right only for fewer than 64 valid bits.
        guard bitCount <= 56 else { return }
        if inputEnd - next >= 8 {
            bits |= UInt64(littleEndian: next.loadUnaligned(as: UInt64.self)) << UInt64(bitCount)
            next += (63 - bitCount) >> 3
            bitCount |= 56
        } else {
            refillSlowly()
        }
    }

    private mutating func refillSlowly() {
        while bitCount <= 56 {
            if next < inputEnd {
                bits |= UInt64(next.load(as: UInt8.self)) << UInt64(bitCount)
                next += 1
            } else {
                paddingBytes += 1
            }
            bitCount += 8
        }
    }

    /// Throws when decoding has consumed padding, that is, read past the input's end.
    @inline(__always)
    private func checkInputNotOverrun() throws(Failure) {
        if paddingBytes * 8 > bitCount { throw .corrupt("compressed block is cut short") }
    }

    // MARK: - Blocks

    private mutating func readBlockHeader() throws(Failure) {
        refill()
        let header = Int(bits & 7)
        bits >>= 3
        bitCount -= 3
        try checkInputNotOverrun()
        sawFinalBlock = header & 1 == 1
        switch header >> 1 {
        case 0:
            // Stored: skip to a byte boundary, hand the whole bytes still buffered back to the input,
            // then read LEN and its complement.
            let skip = bitCount & 7
            bits >>= UInt64(skip)
            bitCount -= skip
            next -= bitCount / 8 - paddingBytes
            bits = 0
            bitCount = 0
            paddingBytes = 0
            guard inputEnd - next >= 4 else { throw .corrupt("compressed block is cut short") }
            let length = Int(next.load(as: UInt8.self)) | Int(next.load(fromByteOffset: 1, as: UInt8.self)) << 8
            let complement =
                Int(next.load(fromByteOffset: 2, as: UInt8.self))
                | Int(next.load(fromByteOffset: 3, as: UInt8.self)) << 8
            guard length ^ complement == 0xFFFF else { throw .corrupt("stored deflate block with a bad length") }
            next += 4
            phase = .stored(length)
        case 1:
            phase = .fixed
        case 2:
            throw .dynamicCodes
        default:
            throw .corrupt("deflate block of the reserved type")
        }
    }

    private mutating func copyStored(_ remaining: Int, until target: Int) throws(Failure) {
        guard remaining > 0 else {
            phase = .header
            return
        }
        let count = min(remaining, max(target - produced, 1))
        guard inputEnd - next >= count else { throw .corrupt("compressed block is cut short") }
        guard capacity - produced >= count else { throw .corrupt("compressed block inflates past its size") }
        (output + produced).copyMemory(from: next, byteCount: count)
        next += count
        produced += count
        phase = count == remaining ? .header : .stored(remaining - count)
    }

    /// The state a decoding loop keeps in registers: the bit buffer, the input position and the
    /// output position; copied out of the decoder before a loop and back after it.
    private struct Registers {
        var bits: UInt64
        var bitCount: Int
        var next: UnsafeRawPointer
        var out: UnsafeMutableRawPointer
    }

    private var registers: Registers {
        get { Registers(bits: bits, bitCount: bitCount, next: next, out: output + produced) }
        set {
            bits = newValue.bits
            bitCount = newValue.bitCount
            next = newValue.next
            produced = newValue.out - output
        }
    }

    /// Decodes one literal or match of a fixed-code block into `r` when that is plain sailing: the
    /// bits come from an eight-byte refill, the symbol is a literal or a match, and it fits the
    /// output. Otherwise — the input's last eight bytes, a block's end, an invalid code, a match
    /// reaching outside the buffer — it changes nothing and returns `false`, leaving the symbol to
    /// ``decodeFixedSymbols(until:)``'s careful path.
    @inline(__always)
    private static func stepFast(
        _ r: inout Registers, start: UnsafeMutableRawPointer, end: UnsafeMutableRawPointer,
        fastInputEnd: UnsafeRawPointer
    ) -> Bool {
        var bits = r.bits
        var bitCount = r.bitCount
        var next = r.next
        if bitCount < 32 {
            // One symbol needs at most 9 + 5 + 5 + 13 = 32 bits.
            guard next <= fastInputEnd else { return false }
            bits |= UInt64(littleEndian: next.loadUnaligned(as: UInt64.self)) &<< UInt64(bitCount)
            next += (63 - bitCount) >> 3
            bitCount |= 56
        }
        // The entry's low six bits are the code length: shifting by the entry itself consumes it.
        let entry = FixedHuffmanTables.literalLength[Int(truncatingIfNeeded: bits & 511)]
        if entry & FixedHuffmanTables.notLiteral == 0 {
            guard r.out < end else { return false }
            r.out.storeBytes(of: UInt8(truncatingIfNeeded: entry >> 16), as: UInt8.self)
            r.out += 1
            r.bits = bits &>> UInt64(entry)
            r.bitCount = bitCount - Int(entry & 63)
            r.next = next
            return true
        }
        guard entry & FixedHuffmanTables.kindMask == FixedHuffmanTables.length else { return false }
        bits = bits &>> UInt64(entry)
        let lengthExtra = UInt64((entry >> 8) & 0xF)
        let length = Int((entry >> 16) & 0x1FF) + Int(truncatingIfNeeded: bits & ((1 &<< lengthExtra) &- 1))
        bits = bits &>> lengthExtra
        let distanceEntry = FixedHuffmanTables.distance[Int(truncatingIfNeeded: bits & 31)]
        bits = bits &>> 5
        let distanceExtra = UInt64(distanceEntry & 0xF)
        let distance = Int(distanceEntry >> 16) + Int(truncatingIfNeeded: bits & ((1 &<< distanceExtra) &- 1))
        bits = bits &>> distanceExtra
        guard distanceEntry != 0, distance <= r.out - start, length <= end - r.out else { return false }
        copyMatch(to: r.out, distance: distance, length: length, room: end - r.out)
        r.out += length
        r.bits = bits
        r.bitCount = bitCount - Int(entry & 63) - Int(lengthExtra) - 5 - Int(distanceExtra)
        r.next = next
        return true
    }

    /// Decodes fixed-code symbols until the block ends or at least `target` bytes are out.
    ///
    /// ``stepFast(_:start:end:fastInputEnd:)`` takes nearly every symbol; the careful path here takes
    /// the rest: it refills from the input's last bytes (padding past its end), ends the block, and
    /// tells corruption apart.
    private mutating func decodeFixedSymbols(until target: Int) throws(Failure) {
        let start = output
        let end = output + capacity
        let fastInputEnd = inputEnd - 8
        // One past the end when the caller wants the whole block: the loop then runs to the block's
        // end-of-block code, and a literal or match beyond the buffer is corruption.
        let stop = target > capacity ? end + 1 : start + target
        var r = registers
        defer { registers = r }
        while r.out < stop {
            if Self.stepFast(&r, start: start, end: end, fastInputEnd: fastInputEnd) { continue }
            if r.bitCount < 32 {
                registers = r
                refillSlowly()
                r = registers
            }
            let entry = FixedHuffmanTables.literalLength[Int(truncatingIfNeeded: r.bits & 511)]
            let kind = entry & FixedHuffmanTables.kindMask
            if kind == FixedHuffmanTables.endOfBlock {
                r.bits = r.bits &>> UInt64(entry)
                r.bitCount -= Int(entry & 63)
                registers = r
                try checkInputNotOverrun()
                phase = .header
                return
            }
            if kind == FixedHuffmanTables.invalid { throw .corrupt("invalid deflate length code") }
            // A literal or a match: after a slow refill it may be plain after all.
            if Self.stepFast(&r, start: start, end: end, fastInputEnd: fastInputEnd) { continue }
            if kind == FixedHuffmanTables.literal { throw .corrupt("compressed block inflates past its size") }
            let afterLength = (r.bits &>> UInt64(entry)) &>> UInt64((entry >> 8) & 0xF)
            let distanceEntry = FixedHuffmanTables.distance[Int(truncatingIfNeeded: afterLength & 31)]
            guard distanceEntry != 0 else { throw .corrupt("invalid deflate distance code") }
            let distanceExtra = UInt64(distanceEntry & 0xF)
            let distance =
                Int(distanceEntry >> 16) + Int(truncatingIfNeeded: (afterLength &>> 5) & ((1 &<< distanceExtra) &- 1))
            guard distance <= r.out - start else { throw .corrupt("deflate distance before the block's start") }
            throw .corrupt("compressed block inflates past its size")
        }
        registers = r
        try checkInputNotOverrun()
    }

    /// Decodes two independent streams to their ends with their symbols interleaved, and returns
    /// each one's outcome as ``decode(until:)`` with `Int.max` would give it.
    ///
    /// Huffman decoding is a chain of dependent table loads; two chains side by side keep the core
    /// busy where one leaves it waiting on the loads. The joint loop takes only symbols
    /// ``stepFast(_:start:end:fastInputEnd:)`` takes; when either stream has something else next,
    /// each finishes alone, so results and errors are exactly those of decoding them one by one.
    static func decodeToEnd(
        _ first: inout FixedHuffmanInflater, _ second: inout FixedHuffmanInflater
    ) -> (Result<Void, Failure>, Result<Void, Failure>) {
        func enterBlock(_ inflater: inout FixedHuffmanInflater) -> Failure? {
            do {
                _ = try inflater.decode(until: inflater.produced)
                return nil
            } catch {
                return error
            }
        }
        var firstFailure = enterBlock(&first)
        var secondFailure = enterBlock(&second)
        if firstFailure == nil, secondFailure == nil, case .fixed = first.phase, case .fixed = second.phase {
            let firstStart = first.output
            let firstEnd = first.output + first.capacity
            let firstFastInputEnd = first.inputEnd - 8
            let secondStart = second.output
            let secondEnd = second.output + second.capacity
            let secondFastInputEnd = second.inputEnd - 8
            var a = first.registers
            var b = second.registers
            while Self.stepFast(&a, start: firstStart, end: firstEnd, fastInputEnd: firstFastInputEnd),
                Self.stepFast(&b, start: secondStart, end: secondEnd, fastInputEnd: secondFastInputEnd)
            {}
            first.registers = a
            second.registers = b
        }
        func finish(_ inflater: inout FixedHuffmanInflater, _ failure: inout Failure?) {
            guard failure == nil else { return }
            do {
                _ = try inflater.decode(until: Int.max)
            } catch {
                failure = error
            }
        }
        finish(&first, &firstFailure)
        finish(&second, &secondFailure)
        return (firstFailure.map { .failure($0) } ?? .success(()), secondFailure.map { .failure($0) } ?? .success(()))
    }

    /// Copies `length` bytes from `distance` bytes back to `destination`, where `room` bytes of the
    /// buffer are left. The source may overlap the destination (a repeated pattern).
    @inline(__always)
    private static func copyMatch(to destination: UnsafeMutableRawPointer, distance: Int, length: Int, room: Int) {
        var source = UnsafeRawPointer(destination - distance)
        var target = destination
        if distance >= 8 && room >= length + 8 {
            // Eight bytes at a time; each word's source lies wholly before its destination, and the
            // overshoot past `length` stays inside the buffer and is overwritten later or never read.
            let stop = destination + length
            repeat {
                target.storeBytes(of: source.loadUnaligned(as: UInt64.self), as: UInt64.self)
                source += 8
                target += 8
            } while target < stop
        } else {
            for _ in 0..<length {
                target.storeBytes(of: source.load(as: UInt8.self), as: UInt8.self)
                source += 1
                target += 1
            }
        }
    }
}
