/// A histogram of latencies in nanoseconds with fixed log-linear buckets, in the manner of
/// HdrHistogram: values below 128 each have a bucket of their own; above, every power of two is split
/// into 64 equal buckets, so a bucket's width is at most 1/64 of its lower bound and a percentile is
/// off by less than 1.6%. The buckets cover every `UInt64`; recording is an index computation and one
/// increment, with no allocation, so a client can record every request.
struct LatencyHistogram: Sendable {
    /// log2 of the buckets per power of two.
    static let subBucketBits = 6
    /// Buckets per power of two.
    static let subBucketCount = 1 << subBucketBits
    /// Values below this have a bucket each (`2 * subBucketCount`).
    static let linearLimit = 2 * subBucketCount
    /// Buckets for every `UInt64`: the linear ones, then 64 per power of two from 2^7 to 2^63.
    static let bucketCount = (64 - subBucketBits + 1) * subBucketCount

    /// Samples per bucket.
    private(set) var counts: [UInt64]
    /// Samples recorded.
    private(set) var count: UInt64 = 0
    /// Sum of the samples (wrapping: 2^64 ns is 584 years of latency).
    private(set) var sum: UInt64 = 0
    /// The smallest sample, exact; `UInt64.max` while empty.
    private(set) var minimum = UInt64.max
    /// The largest sample, exact; 0 while empty.
    private(set) var maximum: UInt64 = 0

    /// An empty histogram.
    init() {
        counts = [UInt64](repeating: 0, count: Self.bucketCount)
    }

    /// The bucket that holds `value`.
    @inline(__always)
    static func bucketIndex(_ value: UInt64) -> Int {
        if value < UInt64(linearLimit) { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount  // >= subBucketBits + 1
        let shift = exponent - subBucketBits
        // value >> shift is in [64, 128): the top 7 bits, the leading one included.
        return (shift << subBucketBits) + Int(truncatingIfNeeded: value >> UInt64(shift))
    }

    /// The smallest and largest value (both inclusive) that fall into bucket `index`.
    static func bucketBounds(_ index: Int) -> (lower: UInt64, upper: UInt64) {
        precondition(index >= 0 && index < bucketCount, "bucket \(index) out of range")
        if index < linearLimit { return (UInt64(index), UInt64(index)) }
        let shift = (index >> subBucketBits) - 1
        let mantissa = UInt64(index & (subBucketCount - 1) | subBucketCount)
        let lower = mantissa << UInt64(shift)
        return (lower, lower + ((1 << UInt64(shift)) - 1))
    }

    /// Adds one sample.
    @inline(__always)
    mutating func record(_ value: UInt64) {
        counts[Self.bucketIndex(value)] &+= 1
        count &+= 1
        sum &+= value
        if value < minimum { minimum = value }
        if value > maximum { maximum = value }
    }

    /// Adds every sample of `other`.
    mutating func merge(_ other: LatencyHistogram) {
        for index in other.counts.indices where other.counts[index] != 0 {
            counts[index] &+= other.counts[index]
        }
        count &+= other.count
        sum &+= other.sum
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }

    /// The value at `percentile` (0...100): the middle of the bucket that holds the sample of rank
    /// ⌈percentile/100 · count⌉ (the smallest value at or above that share of the samples), clamped
    /// to the exact minimum and maximum; percentile 0 is the minimum and 100 the maximum, exactly. 0
    /// for an empty histogram.
    func value(atPercentile percentile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let clamped = Swift.min(Swift.max(percentile, 0), 100)
        if clamped >= 100 { return maximum }
        if clamped <= 0 { return minimum }
        let rank = Swift.max(1, UInt64((clamped / 100 * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for index in counts.indices {
            seen &+= counts[index]
            if seen >= rank {
                let bounds = Self.bucketBounds(index)
                let middle = bounds.lower + (bounds.upper - bounds.lower) / 2
                return Swift.min(Swift.max(middle, minimum), maximum)
            }
        }
        return maximum
    }

    /// The mean of the samples; 0 for an empty histogram.
    var mean: Double { count == 0 ? 0 : Double(sum) / Double(count) }
}
