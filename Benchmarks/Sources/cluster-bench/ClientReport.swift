/// What one client (or, merged, a whole run) measured.
struct ClientReport: Sendable {
    /// Latencies of the responses that completed inside the measured window, in nanoseconds.
    var histogram = LatencyHistogram()
    /// Responses by status class: index 1 to 5 for 1xx to 5xx, 0 for anything else.
    var statusClasses = [UInt64](repeating: 0, count: 6)
    /// Requests that got no response inside the window: connection refused, reset or closed, a
    /// malformed response.
    var transportErrors: UInt64 = 0
    /// The first transport error's description, to show why.
    var firstError: String?
    /// Batch mode: the responses, in the order they arrived.
    var responses: [BatchResponse] = []

    /// Responses that completed inside the measured window, any status.
    var completed: UInt64 { histogram.count }

    /// Responses with a 2xx status.
    var successes: UInt64 { statusClasses[2] }

    /// Responses that redirect (3xx): for a benchmark, a target that is not the leader.
    var redirects: UInt64 { statusClasses[3] }

    /// Responses with a status that is neither 2xx nor 3xx.
    var failures: UInt64 { completed - successes - redirects }

    /// Adds `other`'s counts to this report.
    mutating func merge(_ other: ClientReport) {
        histogram.merge(other.histogram)
        for index in statusClasses.indices { statusClasses[index] += other.statusClasses[index] }
        transportErrors += other.transportErrors
        if firstError == nil { firstError = other.firstError }
        responses += other.responses
    }
}
