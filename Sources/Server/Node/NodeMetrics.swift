import Prometheus
import Raft

/// The node's Prometheus metrics: requests and their latencies per route, and Raft and lease gauges
/// refreshed when `/metrics` is scraped.
final class NodeMetrics: Sendable {
    /// The routes requests are counted under.
    enum Route: String, CaseIterable, Sendable {
        case keyGet = "key_get", keyPut = "key_put", keyDelete = "key_delete"
        case leaseGrant = "lease_grant", leaseKeepalive = "lease_keepalive", leaseRevoke = "lease_revoke"
        case leaseTimeToLive = "lease_timetolive", leaseKV = "lease_kv", leaseList = "lease_list"
        case join, remove, status, metrics, other
    }

    let registry: PrometheusCollectorRegistry
    private let requests: [Route: Counter]
    private let errors: [Route: Counter]
    private let latency: [Route: DurationHistogram]
    private let term: Gauge
    private let commitIndex: Gauge
    private let appliedIndex: Gauge
    private let leaderChanges: Gauge
    private let isLeader: Gauge
    private let liveLeases: Gauge

    init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        var requests: [Route: Counter] = [:]
        var errors: [Route: Counter] = [:]
        var latency: [Route: DurationHistogram] = [:]
        let buckets: [Duration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        let requestsName = MetricNameDescriptor(
            namespace: "raftd", subsystem: "http", metricName: "requests", unitName: "total",
            helpText: "HTTP requests by route")
        let errorsName = MetricNameDescriptor(
            namespace: "raftd", subsystem: "http", metricName: "errors", unitName: "total",
            helpText: "HTTP responses with a 4xx or 5xx status, by route")
        let latencyName = MetricNameDescriptor(
            namespace: "raftd", subsystem: "http", metricName: "request_duration", unitName: "seconds",
            helpText: "HTTP request latency by route")
        for route in Route.allCases {
            let labels = [("route", route.rawValue)]
            requests[route] = registry.makeCounter(descriptor: requestsName, labels: labels)
            errors[route] = registry.makeCounter(descriptor: errorsName, labels: labels)
            latency[route] = registry.makeDurationHistogram(descriptor: latencyName, labels: labels, buckets: buckets)
        }
        self.requests = requests
        self.errors = errors
        self.latency = latency
        func gauge(_ name: String, _ help: String) -> Gauge {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(namespace: "raftd", metricName: name, unitName: "", helpText: help))
        }
        term = gauge("raft_term", "The current Raft term")
        commitIndex = gauge("raft_commit_index", "The highest log index known committed")
        appliedIndex = gauge("raft_applied_index", "The highest log index applied to the state machine")
        leaderChanges = gauge("raft_leader_changes", "Leader changes this node has seen since it started")
        isLeader = gauge("raft_is_leader", "1 when this node is the leader")
        liveLeases = gauge("leases_live", "Leases in the state machine")
    }

    /// Counts one request to `route` that took `duration` and answered `status`.
    func record(_ route: Route, status: Int, duration: Duration) {
        requests[route]?.increment()
        if status >= 400 { errors[route]?.increment() }
        latency[route]?.record(duration)
    }

    /// The exposition text, with the gauges set from `status` and `leases`.
    func render(status: RaftNodeStatus, leases: Int) -> String {
        term.set(to: Double(status.term))
        commitIndex.set(to: Double(status.commitIndex))
        appliedIndex.set(to: Double(status.appliedIndex))
        leaderChanges.set(to: Double(status.leaderChanges))
        isLeader.set(to: status.role == .leader ? 1 : 0)
        liveLeases.set(to: Double(leases))
        return registry.emitToString()
    }

    /// The route a request path and method count under.
    static func route(method: String, path: Substring) -> Route {
        if path.hasPrefix("/key/") {
            switch method {
            case "GET", "HEAD": return .keyGet
            case "DELETE": return .keyDelete
            default: return .keyPut
            }
        }
        if path.hasPrefix("/lease/") {
            let rest = path.dropFirst(7)
            if rest.hasPrefix("grant") { return .leaseGrant }
            if rest.hasPrefix("keepalive/") { return .leaseKeepalive }
            if rest.hasPrefix("revoke/") { return .leaseRevoke }
            if rest.hasPrefix("timetolive/") { return .leaseTimeToLive }
            if rest.hasPrefix("kv/") { return .leaseKV }
            if rest.hasPrefix("list") { return .leaseList }
            return .other
        }
        switch path {
        case "/join": return .join
        case "/remove": return .remove
        case "/status": return .status
        case "/metrics": return .metrics
        default: return .other
        }
    }
}
