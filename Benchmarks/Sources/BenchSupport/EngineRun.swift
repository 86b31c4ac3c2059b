/// One engine's part of a comparison, as the parent process saw it.
public struct EngineRun: Sendable {
    /// The engine's name.
    public var engine: String
    /// The child's report (possibly partial if it failed midway); nil if it reported nothing.
    public var report: EngineReport?
    /// How the child process ended; nil if it was not run.
    public var outcome: ChildProcess.Outcome?
    /// Why the engine has no (complete) results, if so.
    public var failure: String?

    /// A run of `engine` that has not happened yet.
    public init(engine: String) {
        self.engine = engine
    }

    /// The result of the workload at `index` in the workload list, if the engine got that far.
    public func result(at index: Int) -> WorkloadResult? {
        guard let results = report?.results, index < results.count else { return nil }
        return results[index]
    }
}
