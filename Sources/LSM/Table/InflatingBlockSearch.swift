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
    private static let maxHeaderLength = 15

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

    /// Inflates the start of `segment` into its place in `block` and returns the full key of its
    /// first entry, or `nil` when that entry is not a restart entry or does not decode.
    private static func firstKey(of segment: CompressedBlock.Segment, in block: UnsafeMutableRawPointer)
        -> UnsafeRawBufferPointer?
    {
        let base = block + segment.outputStart
        var inflater = FixedHuffmanInflater(
            input: segment.input, inputCount: segment.inputLength, output: base, capacity: segment.outputLength)
        var streamEnded = false
        while true {
            let header = BlockEntryHeader.decodeLengths(base, at: 0, limit: inflater.produced)
            if let header, header.nonShared <= inflater.produced - header.keyStart {
                guard header.shared == 0, header.nonShared >= InternalKey.trailerSize else { return nil }
                return UnsafeRawBufferPointer(start: base + header.keyStart, count: header.nonShared)
            }
            let needed = max(header.map { $0.keyStart + $0.nonShared } ?? maxHeaderLength, inflater.produced + 1)
            guard !streamEnded, inflater.produced < segment.outputLength,
                let progress = try? inflater.decode(until: min(needed, segment.outputLength))
            else { return nil }
            streamEnded = progress == .streamEnded
        }
    }

    /// Decodes the entries of `segment` from its start, inflating into its place in `block` as far as
    /// each entry needs, until one is at or after `lookupKey`.
    private static func scan(
        _ segment: CompressedBlock.Segment, in block: UnsafeMutableRawPointer,
        keyScratch keyBase: UnsafeMutableRawPointer, lookupKey: UnsafeRawBufferPointer
    ) -> SegmentScan {
        let entries = block + segment.outputStart
        var inflater = FixedHuffmanInflater(
            input: segment.input, inputCount: segment.inputLength, output: entries, capacity: segment.outputLength)
        var position = 0
        var keyLength = 0
        var streamEnded = false
        while true {
            guard let header = BlockEntryHeader.decode(entries, at: position, limit: inflater.produced) else {
                if position == segment.outputLength { return .exhausted }
                if streamEnded || inflater.produced >= segment.outputLength { return .undecided }
                // The next entry is not all out yet: inflate up to its end when its header is, else
                // far enough for the longest header.
                let lengths = BlockEntryHeader.decodeLengths(entries, at: position, limit: inflater.produced)
                let needed = max(lengths?.end ?? position + maxHeaderLength, inflater.produced + 1)
                guard let progress = try? inflater.decode(until: min(needed, segment.outputLength)) else {
                    return .undecided
                }
                streamEnded = progress == .streamEnded
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
