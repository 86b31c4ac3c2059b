/// Exponential backoff with jitter for reconnecting to a peer: attempt `n` waits
/// `min(maximum, initial * 2^(n-1))` scaled by a random factor in [0.5, 1.0], drawn from a seeded
/// generator so that a test replays exactly and so that peers restarting together do not reconnect in
/// lockstep.
struct ReconnectBackoff {
    let initial: Duration
    let maximum: Duration
    private var state: UInt64

    init(initial: Duration, maximum: Duration, seed: UInt64) {
        self.initial = initial
        self.maximum = maximum
        state = seed
    }

    /// The wait before attempt `attempt` (1 for the first retry).
    mutating func delay(attempt: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(1, min(attempt, 32)) where delay < maximum { delay = delay * 2 }
        delay = min(delay, maximum)
        let fraction = Double(nextRandom() >> 11) / Double(1 << 53)
        return delay * (0.5 + fraction / 2)
    }

    /// SplitMix64.
    private mutating func nextRandom() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
