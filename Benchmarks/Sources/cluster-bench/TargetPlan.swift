/// Where a run sends its requests.
struct TargetPlan: Sendable {
    /// The endpoints the timed runs spread their clients over.
    var targets: [Endpoint]
    /// The endpoint that setup requests (preload, lease grants) go to: the leader when known.
    var setup: Endpoint
    /// A line for the report: what the targets are (leader, version).
    var description: String
}
