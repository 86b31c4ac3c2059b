/// A point lookup in a compressed data block that inflates only what it must, for reads that miss
/// the block cache (DESIGN.md, "Point reads of compressed blocks").
///
/// Inflating was most of the cost of such a read. A segmented block (type 2) is deflated one
/// restart interval per segment, so the search binary-searches the segments by the full key each
/// one starts with (inflating a few dozen bytes of each segment it probes), then decodes entries of
/// the chosen segment as ``FixedHuffmanInflater`` produces them, asking each time for just the bytes
/// the next entry needs, and stops at the first key at or after the target: the entry a
/// ``BlockCursor`` seek on the whole block finds, since segments start at restart points and
/// entries are decoded in the same order. A type 1 block is a single segment.
///
/// Anything unusual — a segment with dynamic Huffman codes, the entries running out (the target is
/// past the block's last key), a key longer than the scratch, an entry or a stream that does not
/// decode — is left to the caller's whole-block path, which gives the answer or the corruption error
/// a whole block gives. The search never reads past the bytes inflated so far and never reads the
/// restart array, whose place it cannot know until the block is whole.
enum InflatingBlockSearch {
    /// What a search found.
    enum Outcome {
        /// The block's answer for the key: its newest visible entry, or `nil` for none.
        case answered(LookupResult?)
        /// The search could not decide; read the whole block.
        case needsWholeBlock
    }

    /// What scanning one segment found.
    private enum SegmentScan {
        case answered(LookupResult?)
        /// Every entry of the segment is before the target and the entries end at its end.
        case exhausted
        case undecided
    }

    /// Keys longer than this go to the whole-block path.
    private static let keyScratchSize = 256

    /// The most bytes an entry header (three varint32s) takes.
    fileprivate static let maxHeaderLength = 15

    /// Searches the compressed block made of `segments`, inflating to `uncompressedSize` bytes, for
    /// `lookupKey` (`userKey | fixed64(snapshot << 8 | 1)`).
    static func search(
        _ segments: UnsafeBufferPointer<CompressedBlock.Segment>, uncompressedSize: Int,
        lookupKey: UnsafeRawBufferPointer
    ) -> Outcome {
        withUnsafeTemporaryAllocation(byteCount: max(uncompressedSize, 1), alignment: 8) { output in
            withUnsafeTemporaryAllocation(byteCount: keyScratchSize, alignment: 8) { scratch in
                guard let block = output.baseAddress, let keyBase = scratch.baseAddress, !segments.isEmpty else {
                    return .needsWholeBlock
                }
                // The last segment whose first key is before the target, or the first segment.
                var low = 0
                var high = segments.count - 1
                while low < high {
                    let middle = (low + high + 1) / 2
                    guard let first = firstKey(of: segments[middle], in: block) else { return .needsWholeBlock }
                    if InternalKey.compare(first, lookupKey) < 0 {
                        low = middle
                    } else {
                        high = middle - 1
                    }
                }
                // Every later segment starts at or after the target, so the answer is in this one or
                // is the next one's first entry.
                for index in low..<segments.count {
                    switch scan(segments[index], in: block, keyScratch: keyBase, lookupKey: lookupKey) {
                    case .answered(let answer): return .answered(answer)
                    case .exhausted: continue
                    case .undecided: return .needsWholeBlock
                    }
                }
                return .needsWholeBlock
            }
        }
    }

    /// One segment being inflated into its place in the block, as far as its reader needs.
    private struct SegmentInflation {
        /// Where the segment's bytes go.
        let entries: UnsafeMutableRawPointer
        private let capacity: Int
        private var inflater: FixedHuffmanInflater
        private var streamEnded = false

        init(_ segment: CompressedBlock.Segment, in block: UnsafeMutableRawPointer) {
            entries = block + segment.outputStart
            capacity = segment.outputLength
            inflater = FixedHuffmanInflater(
                input: segment.input, inputCount: segment.inputLength, output: entries, capacity: capacity)
        }

        /// Bytes of the segment out so far.
        var produced: Int { inflater.produced }

        /// Inflates more for the entry at `position`: up to `end`, where it ends, when its header is
        /// out, else far enough for the longest header. Returns `false` when nothing more can come
        /// (the segment is whole, its stream ended, or the stream does not decode).
        mutating func inflateMore(forEntryAt position: Int, endingAt end: Int?) -> Bool {
            guard !streamEnded, inflater.produced < capacity else { return false }
            let needed = max(end ?? position + InflatingBlockSearch.maxHeaderLength, inflater.produced + 1)
            guard let progress = try? inflater.decode(until: min(needed, capacity)) else { return false }
            streamEnded = progress == .streamEnded
            return true
        }
    }

    /// Inflates the start of `segment` into its place in `block` and returns the full key of its
    /// first entry, or `nil` when that entry is not a restart entry or does not decode.
    private static func firstKey(of segment: CompressedBlock.Segment, in block: UnsafeMutableRawPointer)
        -> UnsafeRawBufferPointer?
    {
        var inflation = SegmentInflation(segment, in: block)
        while true {
            let header = BlockEntryHeader.decodeLengths(inflation.entries, at: 0, limit: inflation.produced)
            if let header, header.nonShared <= inflation.produced - header.keyStart {
                guard header.shared == 0, header.nonShared >= InternalKey.trailerSize else { return nil }
                return UnsafeRawBufferPointer(start: inflation.entries + header.keyStart, count: header.nonShared)
            }
            let keyEnd = header.map { $0.keyStart + $0.nonShared }
            guard inflation.inflateMore(forEntryAt: 0, endingAt: keyEnd) else { return nil }
        }
    }

    /// Decodes the entries of `segment` from its start, inflating into its place in `block` as far as
    /// each entry needs, until one is at or after `lookupKey`.
    private static func scan(
        _ segment: CompressedBlock.Segment, in block: UnsafeMutableRawPointer,
        keyScratch keyBase: UnsafeMutableRawPointer, lookupKey: UnsafeRawBufferPointer
    ) -> SegmentScan {
        var inflation = SegmentInflation(segment, in: block)
        let entries = inflation.entries
        var position = 0
        var keyLength = 0
        while true {
            guard let header = BlockEntryHeader.decode(entries, at: position, limit: inflation.produced) else {
                if position == segment.outputLength { return .exhausted }
                let lengths = BlockEntryHeader.decodeLengths(entries, at: position, limit: inflation.produced)
                guard inflation.inflateMore(forEntryAt: position, endingAt: lengths?.end) else { return .undecided }
                continue
            }
            let length = header.shared + header.nonShared
            guard header.shared <= keyLength, length >= InternalKey.trailerSize, length <= keyScratchSize else {
                return .undecided
            }
            (keyBase + header.shared).copyMemory(from: entries + header.keyStart, byteCount: header.nonShared)
            keyLength = length
            position = header.end
            let key = UnsafeRawBufferPointer(start: keyBase, count: length)
            guard InternalKey.compare(key, lookupKey) >= 0 else { continue }
            guard compareBytes(InternalKey.userKey(key), InternalKey.userKey(lookupKey)) == 0 else {
                return .answered(nil)
            }
            switch InternalKey.type(key) {
            case .value:
                let value = UnsafeRawBufferPointer(start: entries + header.valueStart, count: header.valueLength)
                return .answered(.found(Array(value)))
            case .deletion: return .answered(.deleted)
            case nil: return .undecided
            }
        }
    }
}
