import ArgumentParser
import Foundation
import Logging
import Server

/// raftd's command line (API.md): the seed's single-dash flags, and their double-dash spellings.
@main
struct RaftdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raftd",
        abstract: "A replicated key-value and lease server on Raft.",
        discussion: """
            With no flags it starts a single-node cluster on 127.0.0.1:7200 (HTTP) and 127.0.0.1:8200 (Raft), \
            keeping its data in ./raftd-data/node01. Start more nodes with -join pointing at any member.
            """)

    @Option(
        name: [.customLong("id", withSingleDash: true), .customLong("id")], help: "Node id, unique in the cluster.")
    var id = "node01"

    @Option(name: [.customLong("haddr", withSingleDash: true), .customLong("haddr")], help: "HTTP API address.")
    var haddr = "127.0.0.1:7200"

    @Option(name: [.customLong("raddr", withSingleDash: true), .customLong("raddr")], help: "Raft peer address.")
    var raddr = "127.0.0.1:8200"

    @Option(
        name: [.customLong("join", withSingleDash: true), .customLong("join")],
        help: "HTTP address of any member to join; without it a new data directory bootstraps a single-node cluster.")
    var join: String?

    @Option(
        name: [.customLong("bind", withSingleDash: true), .customLong("bind")],
        help: "Worker id 0...1023 of the lease-id generator (default: derived from -id).")
    var bind: Int?

    @Argument(help: "Data directory (default ./raftd-data/<id>).")
    var dataDirectory: String?

    mutating func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "raftd")
        let configuration: NodeConfiguration
        do {
            configuration = try NodeConfiguration(
                id: id, httpAddress: haddr, raftAddress: raddr, join: join, worker: bind,
                dataDirectory: dataDirectory.map(Self.expandingTilde))
        } catch {
            throw ValidationError(error.description)
        }
        try await RaftdServer.run(configuration, logger: logger)
    }
}

extension RaftdCommand {
    /// `path` with a leading `~` replaced by `$HOME`: the seed's README passes `~/.raftd01`, which a
    /// shell expands, but a quoted one reaches the program as is.
    static func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/"), let home = getenv("HOME") else { return path }
        return String(cString: home) + path.dropFirst()
    }
}
