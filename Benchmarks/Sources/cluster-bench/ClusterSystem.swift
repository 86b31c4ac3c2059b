/// One kind of cluster cluster-bench drives: how it finds the leader, and what each workload sends.
protocol ClusterSystem {
    /// Finds where the timed runs go (`--target`) and where setup requests go.
    func resolveTargets() throws -> TargetPlan

    /// Runs `workload`'s setup (preload, lease grants) through `plan.setup` and returns the requests
    /// that its timed run cycles through.
    func prepare(_ workload: Workload, plan: TargetPlan) throws -> RequestSet
}

extension ClusterSystem {
    /// Calls `attempt` until it returns a value or `seconds` have passed, waiting 250 ms between
    /// tries (a cluster that has just started may have no leader yet); throws the last error.
    func retrying<Value>(for seconds: Double, _ attempt: () throws -> Value) throws -> Value {
        let deadline = MonotonicClock.nanoseconds() + UInt64(seconds * 1e9)
        while true {
            do {
                return try attempt()
            } catch {
                if MonotonicClock.nanoseconds() >= deadline { throw error }
                LoadRunner.sleep(until: MonotonicClock.nanoseconds() + 250_000_000)
            }
        }
    }

    /// Checks that every setup response is a 2xx; throws with the first other one.
    func requireSuccess(_ responses: [BatchResponse], _ what: String, _ endpoint: Endpoint) throws {
        if let bad = responses.first(where: { $0.status < 200 || $0.status > 299 }) {
            let hint = bad.status >= 300 && bad.status < 400 ? " (a redirect: is \(endpoint) the leader?)" : ""
            throw BenchError("\(what) on \(endpoint): HTTP \(bad.status)\(hint): \(bad.text.prefix(200))")
        }
    }
}
