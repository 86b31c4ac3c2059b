/// One engine's part of a comparison, as the parent process saw it.
struct EngineRun: Sendable {
    /// The engine's name.
    var engine: String
    /// The child's report (possibly partial if it failed midway); nil if it reported nothing.
    var report: EngineReport?
    /// How the child process ended; nil if it was not run.
    var outcome: ChildProcess.Outcome?
    /// Why the engine has no (complete) results, if so.
    var failure: String?

    /// The result of the workload at `index` in the workload list, if the engine got that far.
    func result(at index: Int) -> WorkloadResult? {
        guard let results = report?.results, index < results.count else { return nil }
        return results[index]
    }
}
