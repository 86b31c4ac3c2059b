/// Values for the write workloads, the way db_bench's `RandomGenerator` makes them: a pool of about
/// 1 MiB (larger than a compressor's 32 KiB window) made of 100-byte fragments, each a random
/// printable string of `100 * compressionRatio` bytes repeated to 100 bytes, so that values compress
/// to about `compressionRatio` of their size. Values are consecutive slices of the pool, wrapping
/// around at its end. The pool is built from a fixed seed, so every engine writes the same bytes.
public final class ValuePool {
    private static let poolSize = 1 << 20
    private static let fragmentSize = 100
    private static let seed: UInt32 = 301

    private let storage: UnsafeMutableRawBufferPointer
    private var position = 0

    /// Builds the pool for values that compress to `compressionRatio` of their size.
    public init(compressionRatio: Double = 0.5) {
        var random = LehmerRandom(seed: Self.seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.poolSize + Self.fragmentSize)
        let rawLength = max(1, Int(Double(Self.fragmentSize) * compressionRatio))
        var fragment = [UInt8](repeating: 0, count: rawLength)
        while bytes.count < Self.poolSize {
            for i in 0..<rawLength {
                fragment[i] = UInt8(ascii: " ") + UInt8(random.uniform(95))
            }
            for i in 0..<Self.fragmentSize {
                bytes.append(fragment[i % rawLength])
            }
        }
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        storage.copyBytes(from: bytes)
    }

    deinit { storage.deallocate() }

    /// Starts again from the beginning of the pool, as a new db_bench `RandomGenerator` would.
    public func rewind() { position = 0 }

    /// The next `length` bytes of the pool; valid as long as the pool lives.
    public func next(_ length: Int) -> UnsafeRawBufferPointer {
        precondition(length < storage.count, "value length \(length) exceeds the value pool")
        if position + length > storage.count { position = 0 }
        defer { position += length }
        return UnsafeRawBufferPointer(rebasing: storage[position..<position + length])
    }
}
