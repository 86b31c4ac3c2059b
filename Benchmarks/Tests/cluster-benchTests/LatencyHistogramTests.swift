import Testing

@testable import cluster_bench

@Suite("cluster-bench: latency histogram")
struct LatencyHistogramTests {
    /// Values around every power of two, and the extremes.
    private static let probes: [UInt64] = {
        var values: [UInt64] = [0, 1, 2, 63, 64, 127, 128, 129, 255, 256, UInt64.max - 1, UInt64.max]
        for shift in 1..<64 {
            let power = UInt64(1) << UInt64(shift)
            values += [power - 1, power, power + 1, power + power / 3]
        }
        return values
    }()

    @Test("every value falls into a bucket whose bounds hold it, at most 1/64 of its value wide")
    func bucketBounds() {
        for value in Self.probes {
            let index = LatencyHistogram.bucketIndex(value)
            #expect(index >= 0 && index < LatencyHistogram.bucketCount, "value \(value)")
            let bounds = LatencyHistogram.bucketBounds(index)
            #expect(bounds.lower <= value && value <= bounds.upper, "value \(value), bucket \(index) \(bounds)")
            #expect((bounds.upper - bounds.lower) <= bounds.lower / 64, "value \(value), bucket \(index) \(bounds)")
        }
        #expect(LatencyHistogram.bucketIndex(UInt64.max) == LatencyHistogram.bucketCount - 1)
    }

    @Test("buckets are contiguous: each starts one past the previous one's end")
    func bucketsAreContiguous() {
        var expectedLower: UInt64 = 0
        for index in 0..<LatencyHistogram.bucketCount {
            let bounds = LatencyHistogram.bucketBounds(index)
            #expect(bounds.lower == expectedLower, "bucket \(index)")
            #expect(LatencyHistogram.bucketIndex(bounds.lower) == index, "bucket \(index)")
            #expect(LatencyHistogram.bucketIndex(bounds.upper) == index, "bucket \(index)")
            if index + 1 < LatencyHistogram.bucketCount { expectedLower = bounds.upper + 1 }
        }
    }

    @Test("percentiles of 1 ... 100000 microseconds are within 1/64 of the exact ones")
    func percentilesOfUniformValues() {
        var histogram = LatencyHistogram()
        // Recorded out of order, so nothing depends on the order.
        for step in 0..<100_000 { histogram.record(UInt64((step * 7919) % 100_000 + 1) * 1_000) }
        #expect(histogram.count == 100_000)
        #expect(histogram.minimum == 1_000)
        #expect(histogram.maximum == 100_000_000)
        for (percentile, exact) in [(50.0, 50_000_000.0), (90, 90_000_000), (99, 99_000_000), (99.9, 99_900_000)] {
            let value = Double(histogram.value(atPercentile: percentile))
            #expect(abs(value - exact) <= exact / 64, "p\(percentile) = \(value), exact \(exact)")
        }
        #expect(histogram.value(atPercentile: 100) == 100_000_000)
        #expect(histogram.value(atPercentile: 0) == 1_000)
        #expect(abs(histogram.mean - 50_000_500) < 1)
    }

    @Test("small values are exact; a percentile is the sample of rank ceil(p * count)")
    func exactSmallValues() {
        var histogram = LatencyHistogram()
        for value: UInt64 in [5, 1, 4, 2, 3] { histogram.record(value) }
        #expect(histogram.value(atPercentile: 20) == 1)
        #expect(histogram.value(atPercentile: 21) == 2)
        #expect(histogram.value(atPercentile: 50) == 3)
        #expect(histogram.value(atPercentile: 80) == 4)
        #expect(histogram.value(atPercentile: 99) == 5)
    }

    @Test("merging equals recording everything in one histogram; an empty one reports zeros")
    func merge() {
        var left = LatencyHistogram()
        var right = LatencyHistogram()
        var both = LatencyHistogram()
        for value in Self.probes.prefix(100) {
            left.record(value)
            both.record(value)
        }
        for value in Self.probes.dropFirst(100) {
            right.record(value)
            both.record(value)
        }
        var merged = left
        merged.merge(right)
        #expect(merged.counts == both.counts)
        #expect(merged.count == both.count && merged.minimum == both.minimum && merged.maximum == both.maximum)
        #expect(merged.value(atPercentile: 50) == both.value(atPercentile: 50))

        let empty = LatencyHistogram()
        #expect(empty.value(atPercentile: 99) == 0 && empty.mean == 0 && empty.count == 0)
        var withEmpty = left
        withEmpty.merge(empty)
        #expect(withEmpty.counts == left.counts && withEmpty.minimum == left.minimum)
    }
}
