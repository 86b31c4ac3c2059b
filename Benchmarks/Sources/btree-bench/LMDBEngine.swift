import BenchSupport
import CLMDB
import Glibc

/// LMDB through its C API (Debian's liblmdb 0.9.24): one environment directory, the unnamed database,
/// default flags plus `MDB_NOSYNC` for unsynced commits, a 16 GiB map.
final class LMDBEngine: OrderedKeyValueEngine {
    static let name = "lmdb"

    private var env: OpaquePointer?
    private var dbi: MDB_dbi = 0

    init(directory: String, sync: Bool) throws {
        try Self.check(mdb_env_create(&env), "env_create")
        try Self.check(mdb_env_set_mapsize(env, 16 << 30), "set_mapsize")
        let flags = sync ? 0 : UInt32(MDB_NOSYNC)
        try Self.check(mdb_env_open(env, directory, flags, 0o644), "env_open \(directory)")
        var txn: OpaquePointer?
        try Self.check(mdb_txn_begin(env, nil, 0, &txn), "txn_begin")
        try Self.check(mdb_dbi_open(txn, nil, 0, &dbi), "dbi_open")
        try Self.check(mdb_txn_commit(txn), "commit")
    }

    deinit {
        if let env { mdb_env_close(env) }
    }

    private static func value(_ buffer: UnsafeRawBufferPointer) -> MDB_val {
        MDB_val(mv_size: buffer.count, mv_data: UnsafeMutableRawPointer(mutating: buffer.baseAddress))
    }

    func write(count: Int, _ item: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)) throws {
        var txn: OpaquePointer?
        try Self.check(mdb_txn_begin(env, nil, 0, &txn), "txn_begin")
        for i in 0..<count {
            let (key, value) = item(i)
            var k = Self.value(key)
            var v = Self.value(value)
            let rc = mdb_put(txn, dbi, &k, &v, 0)
            if rc != 0 {
                mdb_txn_abort(txn)
                try Self.check(rc, "put")
            }
        }
        try Self.check(mdb_txn_commit(txn), "commit")
    }

    func get(count: Int, _ key: (Int) -> UnsafeRawBufferPointer) throws -> Int {
        var txn: OpaquePointer?
        try Self.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "txn_begin")
        defer { mdb_txn_abort(txn) }
        var found = 0
        var data = MDB_val()
        for i in 0..<count {
            var k = Self.value(key(i))
            let rc = mdb_get(txn, dbi, &k, &data)
            if rc == 0 {
                found += 1
            } else if rc != MDB_NOTFOUND {
                try Self.check(rc, "get")
            }
        }
        return found
    }

    func seek(count: Int, nexts: Int, _ key: (Int) -> UnsafeRawBufferPointer) throws -> Int {
        var txn: OpaquePointer?
        try Self.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "txn_begin")
        defer { mdb_txn_abort(txn) }
        var cursor: OpaquePointer?
        try Self.check(mdb_cursor_open(txn, dbi, &cursor), "cursor_open")
        defer { mdb_cursor_close(cursor) }
        var found = 0
        var data = MDB_val()
        for i in 0..<count {
            let target = key(i)
            var k = Self.value(target)
            guard mdb_cursor_get(cursor, &k, &data, MDB_SET_RANGE) == 0 else { continue }
            if k.mv_size == target.count, let base = target.baseAddress, memcmp(k.mv_data, base, k.mv_size) == 0 {
                found += 1
            }
            var moved = 0
            while moved < nexts && mdb_cursor_get(cursor, &k, &data, MDB_NEXT) == 0 { moved += 1 }
        }
        return found
    }

    func readSequential(limit: Int) throws -> (entries: Int, bytes: Int) {
        var txn: OpaquePointer?
        try Self.check(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "txn_begin")
        defer { mdb_txn_abort(txn) }
        var cursor: OpaquePointer?
        try Self.check(mdb_cursor_open(txn, dbi, &cursor), "cursor_open")
        defer { mdb_cursor_close(cursor) }
        var k = MDB_val()
        var data = MDB_val()
        var entries = 0
        var bytes = 0
        var rc = mdb_cursor_get(cursor, &k, &data, MDB_FIRST)
        while rc == 0 && entries < limit {
            bytes += k.mv_size + data.mv_size
            entries += 1
            rc = mdb_cursor_get(cursor, &k, &data, MDB_NEXT)
        }
        return (entries, bytes)
    }

    func close() throws {
        if let env { mdb_env_close(env) }
        env = nil
    }

    private static func check(_ rc: Int32, _ operation: String) throws {
        guard rc != 0 else { return }
        throw BenchError("lmdb \(operation): \(String(cString: mdb_strerror(rc)))")
    }
}
