import Foundation
import Raft
import Synchronization
import Testing

/// A small seeded generator (SplitMix64) for the storage and transport tests, so every randomized
/// test replays exactly.
struct StorageTestRandom: RandomNumberGenerator {
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

/// The seed of a randomized storage or transport test: `RAFT_STORAGE_TEST_SEED` from the environment
/// when set (to replay a failure), else a fixed default so CI is deterministic.
func storageTestSeed(default value: UInt64) -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["RAFT_STORAGE_TEST_SEED"], let seed = UInt64(text) {
        return seed
    }
    return value
}

/// A fresh, empty directory under the system's temp directory, removed by `cleanup()`.
struct StorageTestDirectory {
    let path: String
    init(_ name: String) {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/raft-\(name)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// The entry the storage tests write at `index`: a term that changes every 7 entries and data of a
/// length and content derived from the index.
func testEntry(_ index: UInt64, term: UInt64? = nil, size: Int? = nil) -> Entry {
    let count = size ?? Int(index % 97) + 1
    let data = (0..<count).map { UInt8(truncatingIfNeeded: index &* 31 &+ UInt64($0)) }
    return Entry(
        term: term ?? (index / 7 + 1), index: index, kind: index % 11 == 0 ? .configurationChange : .normal, data: data)
}

/// Test entries `range`.
func testEntries(_ range: ClosedRange<UInt64>) -> [Entry] {
    range.map { testEntry($0) }
}

/// The bytes of the file at `path`.
func readFileBytes(_ path: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Replaces the file at `path` with `bytes`.
func writeFileBytes(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Flips a bit of the byte at `offset` of the file at `path`.
func flipBit(in path: String, at offset: Int) throws {
    var bytes = try readFileBytes(path)
    bytes[offset] ^= 0x10
    try writeFileBytes(path, bytes)
}

/// The size of the file at `path`.
func fileSize(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.size] as? NSNumber)?.intValue ?? 0
}

/// A boolean that several tasks share.
final class StorageTestFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
