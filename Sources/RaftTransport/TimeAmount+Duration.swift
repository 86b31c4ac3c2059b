import NIOCore

extension TimeAmount {
    /// The NIO time amount of a Swift `Duration` (nanosecond precision, saturating at the extremes).
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = .nanoseconds(overflow ? (seconds < 0 ? .min : .max) : scaled &+ attoseconds / 1_000_000_000)
    }
}
