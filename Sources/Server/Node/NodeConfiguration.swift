/// Everything a raftd node is started with: the command line of API.md, checked.
public struct NodeConfiguration: Sendable, Equatable {
    /// The node's id, unique in the cluster (`-id`, default `node01`).
    public var id: String
    /// Where the HTTP API listens (`-haddr`, default `127.0.0.1:7200`).
    public var httpAddress: String
    /// Where the Raft transport listens (`-raddr`, default `127.0.0.1:8200`).
    public var raftAddress: String
    /// The HTTP address of a member to ask for admission (`-join`), or `nil` to bootstrap a new
    /// single-node cluster when the data directory is new.
    public var join: String?
    /// The snowflake worker id, 0...1023 (`-bind`); derived from `id` when not given.
    public var worker: UInt64
    /// Where the node keeps its Raft log, snapshots, B+tree file and LSM directory.
    public var dataDirectory: String
    /// The largest request body (a key's value), in bytes.
    public var maxBodySize: Int

    /// The default body limit: 16 MiB, so that `curl -T` of an 8 MiB file fits with room to spare.
    public static let defaultMaxBodySize = 16 << 20

    /// Checks and assembles a configuration; the message of the error says which flag is wrong.
    public init(
        id: String = "node01", httpAddress: String = "127.0.0.1:7200", raftAddress: String = "127.0.0.1:8200",
        join: String? = nil, worker: Int? = nil, dataDirectory: String? = nil,
        maxBodySize: Int = NodeConfiguration.defaultMaxBodySize
    ) throws(ConfigurationError) {
        guard !id.isEmpty, id.utf8.count <= 255, !id.contains("/") else {
            throw ConfigurationError("-id must be 1 to 255 bytes without '/'")
        }
        guard HostPort(httpAddress) != nil else {
            throw ConfigurationError("-haddr must be HOST:PORT, got \(httpAddress)")
        }
        guard HostPort(raftAddress) != nil else {
            throw ConfigurationError("-raddr must be HOST:PORT, got \(raftAddress)")
        }
        if let join, HostPort(join) == nil { throw ConfigurationError("-join must be HOST:PORT, got \(join)") }
        if let worker, !(0...1023).contains(worker) {
            throw ConfigurationError("-bind must be 0...1023, got \(worker)")
        }
        guard maxBodySize > 0 else { throw ConfigurationError("the body limit must be positive") }
        self.id = id
        self.httpAddress = httpAddress
        self.raftAddress = raftAddress
        self.join = join
        self.worker = worker.map { UInt64($0) } ?? Snowflake.worker(derivedFrom: id)
        self.dataDirectory = dataDirectory ?? "./raftd-data/\(id)"
        self.maxBodySize = maxBodySize
    }
}

/// A command-line value raftd cannot start with.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, naming the flag.
    public var description: String

    init(_ description: String) { self.description = description }
}
