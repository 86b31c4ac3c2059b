import Dispatch
import Synchronization

/// Makes a compaction's finished output tables durable on a thread of its own, so that the
/// compaction goes on merging into its next output while the previous one is `fdatasync`'d; the
/// compaction waits for every sync (``waitForAll()``) before the manifest may name the outputs.
///
/// Why: each table's `fdatasync` held the single background thread up, and a compaction that falls
/// behind makes writers slow down (see DESIGN.md, "Compaction").
final class OutputSyncer: Sendable {
    private let queue = DispatchQueue(label: "lsm.output-sync")
    /// The first failure of a sync or close, reported by ``waitForAll()``.
    private let failure = Mutex<LSMError?>(nil)

    init() {}

    /// Syncs and closes `file` after every file handed in before it.
    func syncAndClose(_ file: PosixFile) {
        queue.async { [self] in
            do {
                try file.sync()
                try file.close()
            } catch {
                let error = error as? LSMError ?? .backgroundError("\(error)")
                self.failure.withLock { if $0 == nil { $0 = error } }
            }
        }
    }

    /// Waits until every file handed in is synced and closed; throws the first failure.
    func waitForAll() throws {
        queue.sync {}
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
