import Foundation

/// Polls `probe` every `interval` seconds until it returns a value or `timeout` seconds pass; then
/// throws an error naming `what` and the last thing the probe reported (its last error, or the
/// description its `nil` came with through `lastSeen`).
@discardableResult
func poll<T>(
    _ what: String, timeout: Double, interval: Double = 0.1, _ probe: (_ lastSeen: inout String) throws -> T?
) throws -> T {
    let deadline = Date().addingTimeInterval(timeout)
    var lastSeen = "nothing yet"
    while true {
        do {
            if let value = try probe(&lastSeen) { return value }
        } catch {
            lastSeen = "error: \(error)"
        }
        if Date() >= deadline {
            throw ClusterError("timed out after \(timeout) s waiting for \(what); last: \(lastSeen)")
        }
        usleep(UInt32(interval * 1_000_000))
    }
}

/// Seconds on a monotonic clock, for measuring the behavioural deadlines the tests check.
func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
