import Foundation

/// Runs blocking work (HTTP over blocking sockets) on threads of its own, so that it never holds
/// one of the few threads of Swift concurrency's cooperative pool for long.
enum ThreadRunner {
    /// Runs `work(worker)` for `workers` workers, each on its own thread, and waits for all of them.
    static func run(workers: Int, _ work: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for worker in 0..<workers {
            group.enter()
            let thread = Thread {
                work(worker)
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
    }

    /// Starts `work` on a thread of its own; the returned group is left when it is done.
    static func start(_ work: @escaping @Sendable () -> Void) -> DispatchGroup {
        let group = DispatchGroup()
        group.enter()
        Thread {
            work()
            group.leave()
        }.start()
        return group
    }
}
