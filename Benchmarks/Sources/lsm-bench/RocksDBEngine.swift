import BenchSupport
import CRocksDB
import Glibc

/// RocksDB through its C API with zlib compression on every level, a 10 bits/key bloom filter, an
/// block cache of `--cache-mb` and a 4 MiB write buffer; everything else is RocksDB's default.
final class RocksDBEngine: KeyValueEngine {
    static let name = "rocksdb"

    /// RocksDB's default number of levels, each of which gets zlib.
    private static let levels = 7

    private var db: OpaquePointer?
    private let options: OpaquePointer
    private let tableOptions: OpaquePointer
    private let cache: OpaquePointer
    private let readOptions: OpaquePointer
    private let writeOptions: OpaquePointer
    private let syncWriteOptions: OpaquePointer

    init(directory: String, cacheBytes: Int) throws {
        options = rocksdb_options_create()
        tableOptions = rocksdb_block_based_options_create()
        cache = rocksdb_cache_create_lru(cacheBytes)
        rocksdb_block_based_options_set_block_cache(tableOptions, cache)
        // The table options take ownership of the filter policy.
        rocksdb_block_based_options_set_filter_policy(tableOptions, rocksdb_filterpolicy_create_bloom(10))
        rocksdb_options_set_block_based_table_factory(options, tableOptions)
        rocksdb_options_set_create_if_missing(options, 1)
        rocksdb_options_set_write_buffer_size(options, 4 << 20)
        let zlib = Int32(rocksdb_zlib_compression)
        rocksdb_options_set_compression(options, zlib)
        var perLevel = [Int32](repeating: zlib, count: Self.levels)
        rocksdb_options_set_compression_per_level(options, &perLevel, perLevel.count)
        readOptions = rocksdb_readoptions_create()
        writeOptions = rocksdb_writeoptions_create()
        syncWriteOptions = rocksdb_writeoptions_create()
        rocksdb_writeoptions_set_sync(syncWriteOptions, 1)
        var error: UnsafeMutablePointer<CChar>?
        db = rocksdb_open(options, directory, &error)
        try Self.check(error, "open \(directory)")
    }

    deinit {
        if let db { rocksdb_close(db) }
        rocksdb_writeoptions_destroy(syncWriteOptions)
        rocksdb_writeoptions_destroy(writeOptions)
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_options_destroy(options)
        rocksdb_block_based_options_destroy(tableOptions)
        rocksdb_cache_destroy(cache)
    }

    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sync: Bool) throws {
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_put(
            db, sync ? syncWriteOptions : writeOptions,
            key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count,
            value.baseAddress?.assumingMemoryBound(to: CChar.self), value.count, &error)
        try Self.check(error, "put")
    }

    func get(_ key: UnsafeRawBufferPointer) throws -> Bool {
        var error: UnsafeMutablePointer<CChar>?
        var length = 0
        let value = rocksdb_get(
            db, readOptions, key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count, &length, &error)
        try Self.check(error, "get")
        guard let value else { return false }
        rocksdb_free(value)
        return true
    }

    func readSequential(limit: Int) throws -> (entries: Int, bytes: Int) {
        guard let iterator = rocksdb_create_iterator(db, readOptions) else { throw BenchError("rocksdb: no iterator") }
        defer { rocksdb_iter_destroy(iterator) }
        var entries = 0
        var bytes = 0
        rocksdb_iter_seek_to_first(iterator)
        while entries < limit && rocksdb_iter_valid(iterator) != 0 {
            var keyLength = 0
            var valueLength = 0
            _ = rocksdb_iter_key(iterator, &keyLength)
            _ = rocksdb_iter_value(iterator, &valueLength)
            bytes += keyLength + valueLength
            entries += 1
            rocksdb_iter_next(iterator)
        }
        try checkIterator(iterator)
        return (entries, bytes)
    }

    func seek(_ key: UnsafeRawBufferPointer, nexts: Int) throws -> Bool {
        guard let iterator = rocksdb_create_iterator(db, readOptions) else { throw BenchError("rocksdb: no iterator") }
        defer { rocksdb_iter_destroy(iterator) }
        rocksdb_iter_seek(iterator, key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count)
        var found = false
        if rocksdb_iter_valid(iterator) != 0 {
            var keyLength = 0
            if let first = rocksdb_iter_key(iterator, &keyLength), let target = key.baseAddress {
                found = keyLength == key.count && memcmp(first, target, keyLength) == 0
            }
            var valueLength = 0
            _ = rocksdb_iter_value(iterator, &valueLength)
            var moved = 0
            while moved < nexts {
                rocksdb_iter_next(iterator)
                guard rocksdb_iter_valid(iterator) != 0 else { break }
                _ = rocksdb_iter_key(iterator, &keyLength)
                _ = rocksdb_iter_value(iterator, &valueLength)
                moved += 1
            }
        }
        try checkIterator(iterator)
        return found
    }

    func close() throws {
        if let db { rocksdb_close(db) }
        db = nil
    }

    private func checkIterator(_ iterator: OpaquePointer) throws {
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_iter_get_error(iterator, &error)
        try Self.check(error, "iterate")
    }

    /// Throws the C API's error string, if any, freeing it.
    private static func check(_ error: UnsafeMutablePointer<CChar>?, _ operation: String) throws {
        guard let error else { return }
        let message = String(cString: error)
        rocksdb_free(error)
        throw BenchError("rocksdb \(operation): \(message)")
    }
}
