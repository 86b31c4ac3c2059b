/// The Park-Miller "minimal standard" generator (multiplier 16807 modulo 2^31 - 1), the generator
/// db_bench draws its keys from. Using the same generator with the same seeds makes the random key
/// sequences those of db_bench, so numbers stay comparable with published db_bench runs.
public struct LehmerRandom {
    private static let modulus: UInt64 = 2_147_483_647  // 2^31 - 1
    private static let multiplier: UInt64 = 16807

    private var state: UInt64

    /// Creates a generator; seeds of 0 and 2^31 - 1 are fixed points and are replaced by 1.
    public init(seed: UInt32) {
        var s = UInt64(seed) & 0x7fff_ffff
        if s == 0 || s == Self.modulus { s = 1 }
        state = s
    }

    /// The next value in [1, 2^31 - 2].
    public mutating func next() -> UInt32 {
        // state * 16807 < 2^46, and since 2^31 == 1 (mod 2^31 - 1) the product reduces by adding its
        // high part (above bit 31) to its low 31 bits, then subtracting the modulus at most once.
        let product = state &* Self.multiplier
        var reduced = (product >> 31) &+ (product & Self.modulus)
        if reduced > Self.modulus { reduced -= Self.modulus }
        state = reduced
        return UInt32(truncatingIfNeeded: reduced)
    }

    /// A value in [0, n), as db_bench's `Uniform` (plain modulo; the bias is negligible for n << 2^31).
    public mutating func uniform(_ n: Int) -> Int {
        Int(next()) % n
    }
}
