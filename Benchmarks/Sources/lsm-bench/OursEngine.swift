import BenchSupport
import Foundation
import LSM

/// This project's LSM engine, `LSMStore`, with the options the peers are given: zlib blocks, a
/// 10 bits/key bloom filter, the block cache `--cache-mb` asks for and a 4 MiB write buffer.
///
/// Writes and point reads go through the store's borrowed-bytes API (`UnsafeRawBufferPointer` keys and
/// values), as the peers' wrappers pass pointers to their C APIs; a read returns the value as a new
/// `[UInt8]`, as LevelDB's and RocksDB's C `get` return a malloc'd copy.
final class OursEngine: KeyValueEngine {
    static let name = "ours"

    private var store: LSMStore?

    init(directory: String, cacheBytes: Int) throws {
        var options = LSMOptions()
        options.compression = ProcessInfo.processInfo.environment["LSM_BENCH_NO_COMPRESSION"] == nil ? .zlib : .none
        options.bloomBitsPerKey = 10
        options.blockCacheCapacity = cacheBytes
        options.writeBufferSize = 4 << 20
        store = try LSMStore(directory: directory, options: options)
    }

    private func open() throws -> LSMStore {
        guard let store else { throw BenchError("ours: store is closed") }
        return store
    }

    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sync: Bool) throws {
        try open().put(key, value, sync: sync)
    }

    func get(_ key: UnsafeRawBufferPointer) throws -> Bool {
        try open().get(key) != nil
    }

    func readSequential(limit: Int) throws -> (entries: Int, bytes: Int) {
        var entries = 0
        var bytes = 0
        guard limit > 0 else { return (0, 0) }
        let iterator = try open().makeIterator()
        while entries < limit, let size = try iterator.next({ key, value in key.count + value.count }) {
            bytes += size
            entries += 1
        }
        return (entries, bytes)
    }

    /// Seeks and steps as LevelDB's and RocksDB's wrappers do: the first key is compared with the
    /// target once, then `nexts` entries are visited.
    func seek(_ key: UnsafeRawBufferPointer, nexts: Int) throws -> Bool {
        let iterator = try open().makeIterator(from: [UInt8](key))
        guard let found = try iterator.next({ first, _ in first.elementsEqual(key) }) else { return false }
        var moved = 0
        while moved < nexts, try iterator.next({ _, _ in true }) != nil { moved += 1 }
        return found
    }

    func close() throws {
        if ProcessInfo.processInfo.environment["LSM_BENCH_STATS"] != nil, let store {
            FileHandle.standardError.write(Data((store.stats().description + "\n").utf8))
        }
        try store?.close()
        store = nil
    }
}
