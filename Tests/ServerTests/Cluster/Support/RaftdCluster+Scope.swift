import Testing

extension RaftdCluster {
    /// Runs `body` with a new cluster of `nodes` started nodes (see ``start(nodes:timeout:)``;
    /// zero starts none), then stops every node whatever happens. Every issue recorded meanwhile gets
    /// the tail of each node's log attached, and an error thrown by `body` is rethrown with it.
    static func with(
        name: String, nodes: Int = 3, test: Test? = Test.current,
        _ body: @Sendable (RaftdCluster) async throws -> Void
    ) async throws {
        let cluster = try RaftdCluster(name: name)
        defer { cluster.finish() }
        try await cluster.annotatingIssues(test: test) {
            if nodes > 0 { try cluster.start(nodes: nodes) }
            try await body(cluster)
        }
    }

    /// Runs `body`, attaching the nodes' log tails to every issue it records and to any error it throws.
    func annotatingIssues(test: Test?, _ body: @Sendable () async throws -> Void) async throws {
        let handler = IssueHandlingTrait.compactMapIssues { [self] issue in
            noteIssue()
            if issue.comments.contains(where: { $0.rawValue.contains(Self.diagnosticsMarker) }) { return issue }
            if let error = issue.error as? ClusterError, error.description.contains(Self.diagnosticsMarker) {
                return issue
            }
            var annotated = issue
            annotated.comments.append(Comment(rawValue: diagnostics()))
            return annotated
        }
        if let test {
            try await handler.provideScope(for: test, testCase: Test.Case.current) {
                try await guarding(body)
            }
        } else {
            try await guarding(body)
        }
    }

    /// Runs `body`, rethrowing its errors with the log tails (an expectation failure is already an
    /// annotated issue and passes through).
    private func guarding(_ body: @Sendable () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as ExpectationFailedError {
            throw error
        } catch {
            noteIssue()
            throw ClusterError("\(error)\n\(diagnostics())")
        }
    }
}
