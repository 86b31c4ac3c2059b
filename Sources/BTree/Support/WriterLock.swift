import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The lock that admits one write transaction at a time, and the state only the writer touches.
///
/// A pthread mutex rather than `Synchronization.Mutex`, because it is held across the caller's closure;
/// it remembers the owning thread so that a nested ``BTreeDB/update(_:)`` on the same thread throws
/// instead of deadlocking.
final class WriterLock: @unchecked Sendable {
    // Safe to share: the mutex lives at a fixed address; `freelist`, `freelistPages` and `failure` are
    // only read or written by the thread holding the mutex.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let owner = Atomic<UInt>(0)

    /// The free and pending pages as of the last commit.
    var freelist: Freelist
    /// Pages of the freelist run the last commit wrote.
    var freelistPages: Int
    /// Set when a commit failed while writing the meta page; writes are refused from then on.
    var failure: String?

    init(freelist: Freelist, freelistPages: Int) {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        self.freelist = freelist
        self.freelistPages = freelistPages
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private static var currentThread: UInt { UInt(bitPattern: Int(bitPattern: pthread_self())) }

    /// Takes the lock, waiting for the current writer; throws
    /// ``BTreeError/nestedWriteTransaction`` if this thread already holds it.
    func lock() throws {
        let me = WriterLock.currentThread
        guard owner.load(ordering: .relaxed) != me else { throw BTreeError.nestedWriteTransaction }
        pthread_mutex_lock(mutex)
        owner.store(me, ordering: .relaxed)
    }

    /// Releases the lock.
    func unlock() {
        owner.store(0, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
    }

    /// Whether the calling thread holds the lock.
    var isHeldByCurrentThread: Bool { owner.load(ordering: .relaxed) == WriterLock.currentThread }
}
