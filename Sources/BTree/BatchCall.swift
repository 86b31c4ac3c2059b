/// One caller's function in a ``BatchCoordinator`` batch, and how it went.
final class BatchCall: @unchecked Sendable {
    // Safe to share: `outcome` is only read and written under the coordinator's monitor.
    /// How a call ended.
    enum Outcome {
        /// Committed with the batch.
        case committed
        /// The batch failed for a reason other than this call; the error is the caller's.
        case failed(any Error)
        /// This call threw inside the batch; it must run again alone, so its error is its own.
        case runAlone
    }

    /// The caller's function.
    let body: @Sendable (Transaction) throws -> Void
    /// Set when the batch has run.
    var outcome: Outcome?

    init(_ body: @escaping @Sendable (Transaction) throws -> Void) {
        self.body = body
    }
}
