/// SplitMix64: a small, fast generator whose whole sequence follows from its seed, so that the core's
/// randomized election timeouts replay exactly in a simulation.
struct SeededRandom: RandomNumberGenerator {
    /// The generator's state.
    private var state: UInt64

    /// A generator whose sequence follows from `seed`.
    init(seed: UInt64) { state = seed }

    /// The next value of the sequence.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
