import Glibc

/// The monotonic clock in nanoseconds (`CLOCK_MONOTONIC`, a vDSO call: no system call per request).
enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point (the machine's boot).
    @inline(__always)
    static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
