/// The layout of a compressed stored block (`doc/table_format.md`, "Blocks on disk"): the size of
/// the block it inflates to and its segments, each a raw deflate stream inflating to one slice of
/// the block. A type 1 block is one segment; a type 2 block has a directory of segment lengths.
enum CompressedBlock {
    /// One independently inflatable piece of a compressed block.
    struct Segment {
        /// Where the segment's bytes start in the inflated block.
        var outputStart: Int
        /// How many bytes the segment inflates to.
        var outputLength: Int
        /// The segment's raw deflate stream.
        var input: UnsafeRawPointer
        /// The stream's length in bytes.
        var inputLength: Int

        /// The stream, as a buffer.
        var stream: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: input, count: inputLength) }
    }

    /// Parses the `size` stored bytes at `stored` of a block of `type` 1 or 2 and calls `body` with
    /// the inflated size and the segments (in temporary memory, valid only inside `body`). A size or
    /// directory that does not add up is corruption of the block at `offset` in `path`.
    static func withSegments<Result>(
        _ stored: UnsafeRawPointer, size: Int, type: UInt8, path: String, offset: Int,
        _ body: (_ uncompressedSize: Int, _ segments: UnsafeBufferPointer<Segment>) throws -> Result
    ) throws -> Result {
        let end = stored + size
        func corruption(_ reason: String) -> LSMError {
            .corruption(file: path, offset: Int64(offset), reason: reason)
        }
        guard let (length, afterSize) = Coding.decodeVarint32(stored, end) else {
            throw corruption("compressed block without a valid uncompressed size")
        }
        // Deflate cannot expand data more than 1032-fold; a larger claim is damage, and must not
        // become a huge allocation.
        let uncompressedSize = Int(length)
        guard uncompressedSize <= size * 1032 + 64 else {
            throw corruption("compressed block claims \(uncompressedSize) bytes, impossible from \(size)")
        }
        guard type == 2 else {
            let whole = Segment(
                outputStart: 0, outputLength: uncompressedSize, input: afterSize, inputLength: end - afterSize)
            return try withUnsafePointer(to: whole) {
                try body(uncompressedSize, UnsafeBufferPointer(start: $0, count: 1))
            }
        }
        guard let (count, afterCount) = Coding.decodeVarint32(afterSize, end), count >= 1,
            Int(count) <= max(uncompressedSize, 1), Int(count) <= (end - afterCount) / 2
        else { throw corruption("segmented block with an impossible segment count") }
        return try withUnsafeTemporaryAllocation(of: Segment.self, capacity: Int(count)) { segments in
            var p = afterCount
            var outputStart = 0
            var inputTotal = 0
            for index in 0..<Int(count) {
                guard let (outputLength, p1) = Coding.decodeVarint32(p, end),
                    let (inputLength, p2) = Coding.decodeVarint32(p1, end)
                else { throw corruption("segmented block with a malformed directory") }
                p = p2
                segments.initializeElement(
                    at: index,
                    to: Segment(
                        outputStart: outputStart, outputLength: Int(outputLength), input: stored,
                        inputLength: Int(inputLength)))
                outputStart += Int(outputLength)
                inputTotal += Int(inputLength)
            }
            defer { segments.deinitialize() }
            guard outputStart == uncompressedSize, inputTotal == end - p else {
                throw corruption("segmented block whose segment lengths do not add up")
            }
            var input = p
            for index in 0..<Int(count) {
                segments[index].input = input
                input += segments[index].inputLength
            }
            return try body(uncompressedSize, UnsafeBufferPointer(segments))
        }
    }
}
