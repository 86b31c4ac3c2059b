// raft-storage-stress: the child process of the Raft storage crash test (Tests/RaftTests/StorageCrashTests).
//
//     raft-storage-stress DIR [--seed N] [--segment-size BYTES] [--count N]
//
// Opens the SegmentedLog in DIR and appends entries after its last one, in batches of 1 to 64
// entries (sizes drawn from a generator seeded with --seed), syncing after each batch and then
// printing the batch's last index on its own line: a printed index is acknowledged, so it must
// survive a kill -9. Entry i has term i / 1000 + 1 and the data `stressData(i)`, so a checker can
// tell a correct entry from a damaged one. Stops after --count entries (default: practically never).
import Raft

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The deterministic data of entry `index`: 1 to 300 bytes.
func stressData(_ index: UInt64) -> [UInt8] {
    let count = Int(index % 300) + 1
    return (0..<count).map { UInt8(truncatingIfNeeded: index &* 131 &+ UInt64($0) &* 7) }
}

func fail(_ message: String) -> Never {
    let line = "raft-storage-stress: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let directory = arguments.first, !directory.hasPrefix("-") else {
    fail("usage: raft-storage-stress DIR [--seed N] [--segment-size BYTES] [--count N]")
}
/// SplitMix64, so a run's batch sizes replay from its seed.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
var random = SplitMix64(state: option("--seed", in: arguments).flatMap { UInt64($0) } ?? 1)
var options = SegmentedLogOptions()
if let size = option("--segment-size", in: arguments).flatMap({ Int($0) }) { options.maxSegmentSize = size }
let count = option("--count", in: arguments).flatMap { UInt64($0) } ?? UInt64.max

do {
    let log = try SegmentedLog(directory: directory, options: options)
    var written: UInt64 = 0
    while written < count {
        let batchSize = min(random.next() % 64 + 1, count - written)
        let first = log.lastIndex + 1
        let batch = (first..<(first + batchSize)).map { Entry(term: $0 / 1000 + 1, index: $0, data: stressData($0)) }
        try log.append(batch)
        try log.sync()
        written += batchSize
        // Written straight to the descriptor, so the parent sees each acknowledgement at once.
        let line = "\(first + batchSize - 1)\n"
        _ = line.withCString { write(1, $0, strlen($0)) }
    }
    try log.close()
} catch {
    fail("\(error)")
}
