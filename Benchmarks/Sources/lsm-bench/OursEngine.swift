// Compiled only when Package.swift sets `lsmStoreAvailable = true` (defining LSM_AVAILABLE), i.e.
// once the root package's `LSMStore` exists.
#if LSM_AVAILABLE
import LSM

/// This project's LSM engine, `LSMStore`, with the options the peers are given: zlib blocks, a
/// 10 bits/key bloom filter, an 8 MiB block cache and a 4 MiB write buffer.
///
/// The store's API takes and returns `[UInt8]`, so each operation copies its key (and value) into a
/// new array; that cost is part of what a user of the API pays and is measured with it.
final class OursEngine: KeyValueEngine {
    static let name = "ours"

    private var store: LSMStore?

    init(directory: String) throws {
        var options = LSMOptions()
        options.compression = .zlib
        options.bloomBitsPerKey = 10
        options.blockCacheCapacity = 8 << 20
        options.writeBufferSize = 4 << 20
        store = try LSMStore(directory: directory, options: options)
    }

    private func open() throws -> LSMStore {
        guard let store else { throw BenchError("ours: store is closed") }
        return store
    }

    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sync: Bool) throws {
        try open().put([UInt8](key), [UInt8](value), sync: sync)
    }

    func get(_ key: UnsafeRawBufferPointer) throws -> Bool {
        try open().get([UInt8](key)) != nil
    }

    func readSequential(limit: Int) throws -> (entries: Int, bytes: Int) {
        var entries = 0
        var bytes = 0
        guard limit > 0 else { return (0, 0) }
        for (key, value) in try open().scan(from: [], to: nil) {
            bytes += key.count + value.count
            entries += 1
            if entries >= limit { break }
        }
        return (entries, bytes)
    }

    func seek(_ key: UnsafeRawBufferPointer, nexts: Int) throws -> Bool {
        let target = [UInt8](key)
        var found = false
        var read = 0
        for (entryKey, _) in try open().scan(from: target, to: nil) {
            if read == 0 { found = entryKey == target }
            read += 1
            if read > nexts { break }
        }
        return found
    }

    func close() throws {
        try store?.close()
        store = nil
    }
}
#endif
