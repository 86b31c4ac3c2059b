/// The operations a benchmark needs from a key-value store. Each engine opens one database
/// directory; keys and values are passed as raw buffers that are valid only during the call, so an
/// engine copies what it keeps.
protocol KeyValueEngine: AnyObject {
    /// The name used on the command line and in the report.
    static var name: String { get }

    /// Opens the database in `directory`, creating it when it does not exist, with a block cache of
    /// `cacheBytes` bytes.
    init(directory: String, cacheBytes: Int) throws

    /// Stores `value` under `key` as a batch of one write; with `sync`, the write is on disk
    /// (the WAL fsynced) before the call returns.
    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, sync: Bool) throws

    /// Looks `key` up; returns whether it was found (the value is fetched, as db_bench does).
    func get(_ key: UnsafeRawBufferPointer) throws -> Bool

    /// Iterates from the first key over at most `limit` entries and returns how many it read and
    /// the bytes of their keys and values.
    func readSequential(limit: Int) throws -> (entries: Int, bytes: Int)

    /// Opens a new iterator, seeks it to the first key >= `key`, reads that entry and up to `nexts`
    /// more; returns whether the first entry's key equals `key`.
    func seek(_ key: UnsafeRawBufferPointer, nexts: Int) throws -> Bool

    /// Closes the database; the engine is not used afterwards.
    func close() throws
}
