import Foundation

/// A small, fast, seeded random generator (SplitMix64) so every randomized test replays exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed for a randomized test: `SERVER_TEST_SEED` from the environment when set (to replay a
/// failure), else a fixed default so CI is deterministic.
func testSeed(default value: UInt64) -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["SERVER_TEST_SEED"], let seed = UInt64(text) { return seed }
    return value
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A fresh, empty directory under the system's temp directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String
    init(_ name: String = "server") {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(name)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}
