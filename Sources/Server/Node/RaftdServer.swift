import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a raftd node and its HTTP API until SIGINT or SIGTERM, then shuts both down in order: the
/// HTTP server stops taking requests, the node hands leadership over and stops.
public enum RaftdServer {
    /// Starts the node with `configuration` and serves until a shutdown signal.
    public static func run(_ configuration: NodeConfiguration, logger: Logger) async throws {
        guard let http = HostPort(configuration.httpAddress) else {
            throw ConfigurationError("-haddr must be HOST:PORT")
        }
        let node = try await RaftdNode.start(configuration, logger: logger)
        let responder = RaftdResponder(
            service: node, maxBodySize: configuration.maxBodySize, metrics: node.metricsRegistry)
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(
                address: .hostname(http.host, port: http.port), serverName: "raftd"),
            logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: NodeService(node: node)),
                    .init(service: app),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }

    /// The node as a service of the group: it waits for the graceful shutdown and then stops the node
    /// (services shut down in reverse order, so the HTTP server has stopped first).
    private struct NodeService: Service {
        let node: RaftdNode

        func run() async throws {
            try? await gracefulShutdown()
            await node.shutdown()
        }
    }
}
