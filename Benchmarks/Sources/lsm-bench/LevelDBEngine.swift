import BenchSupport
import CLevelDB
import Glibc

/// LevelDB through its C API: Debian's build, which compresses blocks with snappy. Options are
/// LevelDB's defaults except those set to match `ours`: the block cache `--cache-mb` asks for, a 10 bits/key bloom
/// filter and a 4 MiB write buffer (the default anyway).
final class LevelDBEngine: KeyValueEngine {
    static let name = "leveldb"

    private var db: OpaquePointer?
    private let options: OpaquePointer
    private let cache: OpaquePointer
    private let filterPolicy: OpaquePointer
    private let readOptions: OpaquePointer
    private let writeOptions: OpaquePointer
    private let syncWriteOptions: OpaquePointer

    init(directory: String, cacheBytes: Int) throws {
        options = leveldb_options_create()
        cache = leveldb_cache_create_lru(cacheBytes)
        filterPolicy = leveldb_filterpolicy_create_bloom(10)
        leveldb_options_set_create_if_missing(options, 1)
        leveldb_options_set_cache(options, cache)
        leveldb_options_set_filter_policy(options, filterPolicy)
        leveldb_options_set_write_buffer_size(options, 4 << 20)
        leveldb_options_set_compression(options, Int32(leveldb_snappy_compression))
        readOptions = leveldb_readoptions_create()
        writeOptions = leveldb_writeoptions_create()
        syncWriteOptions = leveldb_writeoptions_create()
        leveldb_writeoptions_set_sync(syncWriteOptions, 1)
        var error: UnsafeMutablePointer<CChar>?
        db = leveldb_open(options, directory, &error)
        try Self.check(error, "open \(directory)")
    }

    deinit {
        if let db { leveldb_close(db) }
        leveldb_writeoptions_destroy(syncWriteOptions)
        leveldb_writeoptions_destroy(writeOptions)
        leveldb_readoptions_destroy(readOptions)
        leveldb_options_destroy(options)
        leveldb_filterpolicy_destroy(filterPolicy)
        leveldb_cache_destroy(cache)
    }

    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sync: Bool) throws {
        var error: UnsafeMutablePointer<CChar>?
        leveldb_put(
            db, sync ? syncWriteOptions : writeOptions,
            key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count,
            value.baseAddress?.assumingMemoryBound(to: CChar.self), value.count, &error)
        try Self.check(error, "put")
    }

    func get(_ key: UnsafeRawBufferPointer) throws -> Bool {
        var error: UnsafeMutablePointer<CChar>?
        var length = 0
        let value = leveldb_get(
            db, readOptions, key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count, &length, &error)
        try Self.check(error, "get")
        guard let value else { return false }
        leveldb_free(value)
        return true
    }

    func readSequential(limit: Int) throws -> (entries: Int, bytes: Int) {
        guard let iterator = leveldb_create_iterator(db, readOptions) else { throw BenchError("leveldb: no iterator") }
        defer { leveldb_iter_destroy(iterator) }
        var entries = 0
        var bytes = 0
        leveldb_iter_seek_to_first(iterator)
        while entries < limit && leveldb_iter_valid(iterator) != 0 {
            var keyLength = 0
            var valueLength = 0
            _ = leveldb_iter_key(iterator, &keyLength)
            _ = leveldb_iter_value(iterator, &valueLength)
            bytes += keyLength + valueLength
            entries += 1
            leveldb_iter_next(iterator)
        }
        try checkIterator(iterator)
        return (entries, bytes)
    }

    func seek(_ key: UnsafeRawBufferPointer, nexts: Int) throws -> Bool {
        guard let iterator = leveldb_create_iterator(db, readOptions) else { throw BenchError("leveldb: no iterator") }
        defer { leveldb_iter_destroy(iterator) }
        leveldb_iter_seek(iterator, key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count)
        var found = false
        if leveldb_iter_valid(iterator) != 0 {
            var keyLength = 0
            if let first = leveldb_iter_key(iterator, &keyLength), let target = key.baseAddress {
                found = keyLength == key.count && memcmp(first, target, keyLength) == 0
            }
            var valueLength = 0
            _ = leveldb_iter_value(iterator, &valueLength)
            var moved = 0
            while moved < nexts {
                leveldb_iter_next(iterator)
                guard leveldb_iter_valid(iterator) != 0 else { break }
                _ = leveldb_iter_key(iterator, &keyLength)
                _ = leveldb_iter_value(iterator, &valueLength)
                moved += 1
            }
        }
        try checkIterator(iterator)
        return found
    }

    func close() throws {
        if let db { leveldb_close(db) }
        db = nil
    }

    private func checkIterator(_ iterator: OpaquePointer) throws {
        var error: UnsafeMutablePointer<CChar>?
        leveldb_iter_get_error(iterator, &error)
        try Self.check(error, "iterate")
    }

    /// Throws the C API's error string, if any, freeing it.
    private static func check(_ error: UnsafeMutablePointer<CChar>?, _ operation: String) throws {
        guard let error else { return }
        let message = String(cString: error)
        leveldb_free(error)
        throw BenchError("leveldb \(operation): \(message)")
    }
}
