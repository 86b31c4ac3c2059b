#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A mutex with condition variables: the one lock that guards an ``LSMStore``'s shared state, and
/// the conditions its writers and background thread wait on.
///
/// `Synchronization.Mutex` has no condition variable, and the store's group commit and write stalls
/// are naturally written as "wait until", so this wraps `pthread_mutex_t` and `pthread_cond_t` in
/// memory that never moves.
final class Monitor: @unchecked Sendable {
    // Safe to share: the pthread objects live at fixed addresses and pthreads synchronizes them.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` holding the lock.
    @inline(__always)
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// A condition tied to this monitor's lock.
    final class Condition: @unchecked Sendable {
        // Safe to share: see Monitor.
        private let cond: UnsafeMutablePointer<pthread_cond_t>
        private let monitor: Monitor

        init(_ monitor: Monitor) {
            self.monitor = monitor
            cond = .allocate(capacity: 1)
            var attributes = pthread_condattr_t()
            pthread_condattr_init(&attributes)
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
            pthread_cond_init(cond, &attributes)
            pthread_condattr_destroy(&attributes)
        }

        deinit {
            pthread_cond_destroy(cond)
            cond.deallocate()
        }

        /// Releases the lock, waits for a signal, takes the lock again. The caller holds the lock and
        /// re-checks its predicate after waking (wake-ups may be spurious).
        func wait() { pthread_cond_wait(cond, monitor.mutex) }

        /// Like ``wait()``, but gives up after `nanoseconds`.
        func wait(nanoseconds: Int) {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let total = Int(now.tv_nsec) + nanoseconds
            var deadline = timespec()
            deadline.tv_sec = now.tv_sec + total / 1_000_000_000
            deadline.tv_nsec = total % 1_000_000_000
            pthread_cond_timedwait(cond, monitor.mutex, &deadline)
        }

        func signal() { pthread_cond_signal(cond) }
        func broadcast() { pthread_cond_broadcast(cond) }
    }
}
