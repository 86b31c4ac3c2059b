import BTree
import Foundation
import Testing

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

/// The seed for a randomized test: `BTREE_TEST_SEED` from the environment when set (to replay a
/// failure), else a fixed default so CI is deterministic.
func testSeed(default value: UInt64) -> UInt64 {
    if let text = ProcessInfo.processInfo.environment["BTREE_TEST_SEED"], let seed = UInt64(text) { return seed }
    return value
}

/// Whether the long variants of the randomized tests were asked for (`BTREE_TEST_LONG=1`).
var longTests: Bool { ProcessInfo.processInfo.environment["BTREE_TEST_LONG"] == "1" }

/// A fresh, empty directory under the system's temp directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let path: String
    init(_ name: String = "btree") {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(name)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    /// A path for a database file inside the directory.
    var database: String { path + "/data.db" }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Options with small pages, so that few keys make deep trees.
func smallPageOptions(_ pageSize: Int = 1024) -> BTreeOptions {
    var options = BTreeOptions()
    options.pageSize = pageSize
    options.initialMapSize = 1 << 20
    return options
}

/// XORs `mask` into the byte at `offset` of the file at `path`.
func flipByte(in path: String, at offset: Int, mask: UInt8 = 0x40) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(offset))
    guard let old = try handle.read(upToCount: 1)?.first else { return }
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: Data([old ^ mask]))
}

/// Overwrites bytes at `offset` of the file at `path`.
func overwrite(in path: String, at offset: Int, with data: [UInt8]) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: Data(data))
}

/// The size of the file at `path`.
func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

/// Every key and value of a bucket, in cursor order.
func contents(of bucket: Bucket) throws -> [([UInt8], [UInt8]?)] {
    var result: [([UInt8], [UInt8]?)] = []
    try bucket.forEach { result.append(($0, $1)) }
    return result
}
