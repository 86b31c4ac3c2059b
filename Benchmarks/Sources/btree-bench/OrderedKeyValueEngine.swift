/// What `btree-bench` needs from a transactional ordered key-value store. Keys and values are raw
/// buffers valid only during the call that produced them; engines copy what they keep.
protocol OrderedKeyValueEngine: AnyObject {
    /// The name on the command line and in the report.
    static var name: String { get }

    /// Opens the database under `directory`, creating it if needed; with `sync`, every commit is
    /// flushed to disk before it returns, otherwise commits are not synced.
    init(directory: String, sync: Bool) throws

    /// One write transaction of `count` puts; `item(i)` gives the i-th key and value.
    func write(count: Int, _ item: (Int) -> (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)) throws

    /// One read transaction of `count` gets of `key(i)`, each fetching the value; returns how many
    /// keys were found.
    func get(count: Int, _ key: (Int) -> UnsafeRawBufferPointer) throws -> Int

    /// One read transaction with one cursor: `count` times a seek to the first key `>= key(i)` and
    /// `nexts` steps forward, reading each key and value; returns how many seeks landed on their key.
    func seek(count: Int, nexts: Int, _ key: (Int) -> UnsafeRawBufferPointer) throws -> Int

    /// One read transaction iterating from the first key over at most `limit` entries; returns how
    /// many it read and the bytes of their keys and values.
    func readSequential(limit: Int) throws -> (entries: Int, bytes: Int)

    /// Closes the database.
    func close() throws
}
