import LSM
import Testing

/// Random operations against an `LSMStore` and an in-memory dictionary, which must always agree.
@Suite("LSMStore against an in-memory model")
struct ModelTests {
    /// Small buffers and levels so that 100k operations go through many flushes and compactions.
    static var smallOptions: LSMOptions {
        var options = LSMOptions()
        options.writeBufferSize = 64 << 10
        options.targetFileSize = 32 << 10
        options.maxBytesForLevelBase = 256 << 10
        options.blockSize = 1 << 10
        options.blockCacheCapacity = 256 << 10
        options.maxOpenFiles = 20
        return options
    }

    @Test("100k random put/delete/get/scan/batch/snapshot/reopen/compact operations match the model")
    func randomOperations() throws {
        let seed = testSeed(default: 20_261_124)
        let directory = TemporaryDirectory("lsm-model")
        defer { directory.cleanup() }
        var random = SeededGenerator(seed: seed)
        var model: [[UInt8]: [UInt8]] = [:]
        var snapshots: [(Snapshot, [[UInt8]: [UInt8]])] = []
        var db = try LSMStore(directory: directory.path, options: Self.smallOptions)
        let keySpace = 3000

        func key(_ n: Int) -> [UInt8] { bytes("key\(String(n, radix: 16))") }
        func value(_ random: inout SeededGenerator) -> [UInt8] {
            let length = Int.random(in: 0...300, using: &random)
            let byte = UInt8.random(in: 0...255, using: &random)
            return (0..<length).map { UInt8(truncatingIfNeeded: Int(byte) &+ $0 / 7) }
        }
        func sortedRange(_ m: [[UInt8]: [UInt8]], _ lo: [UInt8], _ hi: [UInt8]) -> [([UInt8], [UInt8])] {
            m.filter { $0.key.lexicographicallyPrecedes(hi) && !$0.key.lexicographicallyPrecedes(lo) }
                .sorted { $0.key.lexicographicallyPrecedes($1.key) }
                .map { ($0.key, $0.value) }
        }

        for step in 0..<100_000 {
            let context = "seed \(seed) (replay with LSM_TEST_SEED=\(seed)), step \(step)"
            let roll = Int.random(in: 0..<1000, using: &random)
            switch roll {
            case 0..<400:
                let k = key(Int.random(in: 0..<keySpace, using: &random))
                let v = value(&random)
                try db.put(k, v)
                model[k] = v
            case 400..<550:
                let k = key(Int.random(in: 0..<keySpace, using: &random))
                try db.delete(k)
                model[k] = nil
            case 550..<900:
                let k = key(Int.random(in: 0..<keySpace, using: &random))
                let got = try db.get(k)
                try #require(got == model[k], "get \(String(decoding: k, as: UTF8.self)): \(context)")
            case 900..<960:
                var batch = WriteBatch()
                for _ in 0..<Int.random(in: 1...20, using: &random) {
                    let k = key(Int.random(in: 0..<keySpace, using: &random))
                    if Bool.random(using: &random) {
                        let v = value(&random)
                        batch.put(k, v)
                        model[k] = v
                    } else {
                        batch.delete(k)
                        model[k] = nil
                    }
                }
                try db.write(batch, sync: Int.random(in: 0..<10, using: &random) == 0)
            case 960..<975:
                let a = key(Int.random(in: 0..<keySpace, using: &random))
                let b = key(Int.random(in: 0..<keySpace, using: &random))
                let (lo, hi) = a.lexicographicallyPrecedes(b) ? (a, b) : (b, a)
                let got = try db.scan(from: lo, to: hi).map { ($0.key, $0.value) }
                let want = sortedRange(model, lo, hi)
                try #require(got.elementsEqual(want, by: { $0 == $1 }), "scan: \(context)")
            case 975..<980:
                let prefix = bytes("key\(String(Int.random(in: 0..<16, using: &random), radix: 16))")
                let got = try db.scan(prefix: prefix).map(\.key)
                let want = model.keys.filter { $0.starts(with: prefix) }.sorted { $0.lexicographicallyPrecedes($1) }
                try #require(got == want, "scan prefix: \(context)")
            case 980..<985:
                if snapshots.count >= 4 { snapshots.removeFirst() }
                snapshots.append((db.snapshot(), model))
            case 985..<995:
                guard let (snapshot, old) = snapshots.randomElement(using: &random) else { continue }
                let k = key(Int.random(in: 0..<keySpace, using: &random))
                try #require(try db.get(k, at: snapshot) == old[k], "get at snapshot: \(context)")
                if Int.random(in: 0..<10, using: &random) == 0 {
                    let got = try db.scan(at: snapshot).map { ($0.key, $0.value) }
                    let want = sortedRange(old, [], [0xff])
                    try #require(got.elementsEqual(want, by: { $0 == $1 }), "scan at snapshot: \(context)")
                }
            case 995..<998:
                try db.close()
                snapshots.removeAll()
                db = try LSMStore(directory: directory.path, options: Self.smallOptions)
            default:
                try db.compactRange()
            }
        }
        // A final full comparison.
        let all = try db.scan().map { ($0.key, $0.value) }
        #expect(all.elementsEqual(sortedRange(model, [], [0xff]), by: { $0 == $1 }), "final scan, seed \(seed)")
        try db.close()
    }
}
