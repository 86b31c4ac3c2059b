import CZlib
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Raw deflate (no zlib header) for table data blocks, at the fastest level with zlib's default
/// window (memLevel as each ``Deflater`` is made), read with the full 32 KiB window so that any raw
/// deflate stream decodes.
///
/// A block is first deflated with fixed Huffman codes (`Z_FIXED`), which inflate about 40% faster
/// than dynamic ones because the reader builds no code tables for a 4 KiB block; when that does not
/// save enough, the table builder tries zlib's default strategy (see DESIGN.md, "Compression by
/// level").
///
/// Compression reuses one ``Deflater`` per table builder (`deflateReset` between blocks instead of a
/// fresh `deflateInit2`, which would allocate some 256 KiB each time). Decompression goes through
/// ``FixedHuffmanInflater`` and, for streams with dynamic codes, borrows a zlib inflate stream from
/// a small shared pool for the same reason.
enum Zlib {
    /// A deflate stream owned by one builder, reset for each block.
    final class Deflater {
        /// The stream, at a fixed address as zlib requires (its state points back at it).
        fileprivate let stream: UnsafeMutablePointer<z_stream>
        /// Whether `deflateInit2` succeeded; if not, ``Zlib/compress(_:with:appendingTo:)`` declines
        /// and blocks are stored uncompressed.
        fileprivate let isReady: Bool

        /// A deflate stream at the fastest level, with fixed Huffman codes when `fixedCodes`, else
        /// with zlib's default strategy (dynamic codes when they are smaller). `memoryLevel` is
        /// zlib's memLevel (1...9): the match-finder hash has `2^(memoryLevel + 7)` slots, cleared
        /// on every reset; below 6 it collides so much on 4 KiB blocks that deflate slows down.
        init(fixedCodes: Bool, memoryLevel: Int32 = 8) {
            stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            isReady =
                deflateInit2_(
                    stream, Z_BEST_SPEED, Z_DEFLATED, -15, memoryLevel, fixedCodes ? Z_FIXED : Z_DEFAULT_STRATEGY,
                    ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        }

        deinit {
            if isReady { deflateEnd(stream) }
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
    }

    /// An inflate stream, lent by the pool to one decompression at a time.
    ///
    /// `@unchecked Sendable`: the pool hands each stream to one caller exclusively and takes it back
    /// when that caller is done, so no two threads ever use it at once.
    fileprivate final class Inflater: @unchecked Sendable {
        let stream: UnsafeMutablePointer<z_stream>

        init?() {
            stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            guard inflateInit2_(stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                stream.deinitialize(count: 1)
                stream.deallocate()
                return nil
            }
        }

        deinit {
            inflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
    }

    /// Idle inflate streams; at most ``poolLimit`` are kept.
    private static let pool = Mutex<[Inflater]>([])
    private static let poolLimit = 16

    /// Appends the raw deflate of `input` to `output` and returns `true`, or returns `false` (with
    /// `output` unchanged) when the stream is unusable.
    static func compress(_ input: UnsafeRawBufferPointer, with deflater: Deflater, appendingTo output: ByteBuffer)
        -> Bool
    {
        guard deflater.isReady else { return false }
        let stream = deflater.stream
        guard deflateReset(stream) == Z_OK else { return false }
        let bound = Int(deflateBound(stream, uLong(input.count)))
        output.reserve(bound)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.tail.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(bound)
        let status = deflate(stream, Z_FINISH)
        let produced = bound - Int(stream.pointee.avail_out)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        guard status == Z_STREAM_END else { return false }
        output.advance(by: produced)
        return true
    }

    /// Inflates the raw deflate stream `input` into `output`, which must be exactly filled: a stream
    /// that ends early, runs over, or does not parse is corruption of the block at `offset` in `file`.
    ///
    /// Streams of stored and fixed-code blocks (what ``compress(_:with:appendingTo:)`` makes unless
    /// dynamic codes save more) go through ``FixedHuffmanInflater``; a stream with a dynamic-code
    /// block is inflated again from its start by zlib.
    static func decompress(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, file: String, offset: Int64
    ) throws {
        guard let source = input.baseAddress, let destination = output.baseAddress else {
            return try inflateWithZlib(input, into: output, file: file, offset: offset)
        }
        var inflater = FixedHuffmanInflater(
            input: source, inputCount: input.count, output: destination, capacity: output.count)
        let outcome: Result<Void, FixedHuffmanInflater.Failure>
        do {
            _ = try inflater.decode(until: Int.max)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        try check(outcome, inflater, input, into: output, file: file, offset: offset)
    }

    /// Inflates two independent raw deflate streams (two segments of one block) into their outputs,
    /// as two calls of ``decompress(_:into:file:offset:)`` would, but with their symbols decoded
    /// side by side (``FixedHuffmanInflater/decodeToEnd(_:_:)``), which is faster.
    static func decompress(
        _ first: UnsafeRawBufferPointer, into firstOutput: UnsafeMutableRawBufferPointer,
        and second: UnsafeRawBufferPointer, into secondOutput: UnsafeMutableRawBufferPointer, file: String,
        offset: Int64
    ) throws {
        guard let firstSource = first.baseAddress, let firstDestination = firstOutput.baseAddress,
            let secondSource = second.baseAddress, let secondDestination = secondOutput.baseAddress
        else {
            try decompress(first, into: firstOutput, file: file, offset: offset)
            try decompress(second, into: secondOutput, file: file, offset: offset)
            return
        }
        var firstInflater = FixedHuffmanInflater(
            input: firstSource, inputCount: first.count, output: firstDestination, capacity: firstOutput.count)
        var secondInflater = FixedHuffmanInflater(
            input: secondSource, inputCount: second.count, output: secondDestination, capacity: secondOutput.count)
        let outcomes = FixedHuffmanInflater.decodeToEnd(&firstInflater, &secondInflater)
        try check(outcomes.0, firstInflater, first, into: firstOutput, file: file, offset: offset)
        try check(outcomes.1, secondInflater, second, into: secondOutput, file: file, offset: offset)
    }

    /// Turns what `inflater` did with `input` into the result of ``decompress(_:into:file:offset:)``:
    /// zlib takes over a stream with dynamic codes; corruption and a wrong size throw.
    private static func check(
        _ outcome: Result<Void, FixedHuffmanInflater.Failure>, _ inflater: FixedHuffmanInflater,
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, file: String, offset: Int64
    ) throws {
        switch outcome {
        case .failure(.dynamicCodes):
            return try inflateWithZlib(input, into: output, file: file, offset: offset)
        case .failure(.corrupt(let reason)):
            throw LSMError.corruption(file: file, offset: offset, reason: "\(reason)")
        case .success:
            guard inflater.produced == output.count else {
                throw LSMError.corruption(
                    file: file, offset: offset,
                    reason: "compressed block inflates to \(inflater.produced) bytes, expected \(output.count)")
            }
        }
    }

    /// ``decompress(_:into:file:offset:)`` by zlib alone, for any raw deflate stream.
    static func inflateWithZlib(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, file: String, offset: Int64
    ) throws {
        guard let inflater = pool.withLock({ $0.popLast() }) ?? Inflater() else {
            throw LSMError.io(operation: "inflateInit2", path: file, errno: ENOMEM)
        }
        let stream = inflater.stream
        defer {
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
            pool.withLock { idle in
                if idle.count < poolLimit { idle.append(inflater) }
            }
        }
        guard inflateReset(stream) == Z_OK else {
            throw LSMError.io(operation: "inflateReset", path: file, errno: ENOMEM)
        }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let status = inflate(stream, Z_FINISH)
        guard status == Z_STREAM_END else {
            let reason =
                status == Z_BUF_ERROR || status == Z_OK
                ? "compressed block inflates to more than its recorded \(output.count) bytes or is cut short"
                : "compressed block does not inflate (zlib status \(status))"
            throw LSMError.corruption(file: file, offset: offset, reason: reason)
        }
        guard stream.pointee.avail_out == 0 else {
            throw LSMError.corruption(
                file: file, offset: offset,
                reason: "compressed block inflates to \(output.count - Int(stream.pointee.avail_out)) bytes, "
                    + "expected \(output.count)")
        }
    }
}
