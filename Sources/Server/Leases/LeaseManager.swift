import Synchronization

/// The leader's side of leases: ids, countdowns, refresh-only keepalives and batched expiry.
///
/// Every node applies lease commands to its ``LeaseStore``; only the leader keeps time. It holds one
/// ``LeaseTimers`` structure for all countdowns, read against a monotonic clock the caller passes in
/// (nanoseconds), so nothing here depends on wall time and tests can drive time by hand.
///
/// - A keepalive whose key is live with the same data only restarts the key's countdown in memory:
///   no Raft entry. Anything else (new key, new data, a revived key, the first keepalive) is proposed.
/// - ``collectExpired(now:)`` turns the countdowns that ran out into one `expire` command; each names
///   the revision it saw, so the state machine skips an expiry that raced with a newer keepalive.
/// - A node that becomes leader restarts every countdown at the full ttl (``becameLeader(now:)``):
///   a key may live up to one extra ttl across a failover, never less.
final class LeaseManager: Sendable {
    /// Nanoseconds per second of ttl.
    static let nanosecondsPerSecond: UInt64 = 1_000_000_000

    private struct State {
        var timers = LeaseTimers()
        var snowflake: Snowflake
        var leading = false
    }

    /// The live lease store (a snapshot restore replaces it, so it is looked up each time).
    private let currentStore: @Sendable () -> LeaseStore
    private var store: LeaseStore { currentStore() }
    private let state: Mutex<State>

    /// A manager over the store `store` returns, issuing ids for `worker` (0...1023).
    init?(store: @escaping @Sendable () -> LeaseStore, worker: UInt64) throws {
        guard let snowflake = Snowflake(worker: worker, floor: try store().largestLeaseID()) else { return nil }
        self.currentStore = store
        state = Mutex(State(snowflake: snowflake))
    }

    /// Whether this node currently keeps the leases' time.
    var isLeading: Bool { state.withLock { $0.leading } }

    /// Countdowns running (for metrics and tests).
    var countdowns: Int { state.withLock { $0.timers.count } }

    // MARK: Leadership

    /// Starts keeping time: every lease in the store gets its countdowns restarted at the full ttl.
    func becameLeader(now: UInt64) throws {
        let leases = try store.allLeases()
        state.withLock { state in
            state.leading = true
            state.timers.removeAll()
            for lease in leases { Self.restart(lease, now: now, in: &state.timers) }
        }
    }

    /// Stops keeping time (another node leads now).
    func lostLeadership() {
        state.withLock { state in
            state.leading = false
            state.timers.removeAll()
        }
    }

    private static func restart(_ lease: LeaseRecord, now: UInt64, in timers: inout LeaseTimers) {
        let deadline = now + UInt64(lease.ttl) * nanosecondsPerSecond
        if lease.state == .created {
            timers.schedule(.lease(lease.id), deadline: deadline)
        } else {
            for key in lease.keys { timers.schedule(.key(lease: lease.id, name: key.name), deadline: deadline) }
        }
    }

    // MARK: Requests on the leader

    /// A new lease id (the caller proposes the grant with it).
    func nextLeaseID(wallClockMilliseconds: UInt64) -> UInt64 {
        state.withLock { $0.snowflake.next(nowMilliseconds: wallClockMilliseconds) }
    }

    /// Restarts key `key` of lease `id` in memory and returns `true` when that is all a keepalive with
    /// `data` needs (the key is live with the same data); `false` means the keepalive must be proposed.
    func refreshIfUnchanged(lease id: UInt64, key: [UInt8], data: [UInt8], now: UInt64) throws -> Bool {
        guard let lease = try store.lease(id), lease.state == .alive, let current = lease.key(named: key),
            current.data == data
        else { return false }
        return state.withLock { state in
            let timer = LeaseTimer.key(lease: id, name: key)
            // Without a running countdown (expiry in flight) the keepalive must go through Raft.
            guard state.leading, state.timers.deadline(of: timer) != nil else { return false }
            state.timers.schedule(timer, deadline: now + UInt64(lease.ttl) * Self.nanosecondsPerSecond)
            return true
        }
    }

    // MARK: Applied commands

    /// Updates the countdowns after the state machine applied `command` (on the leader; elsewhere it
    /// does nothing).
    func applied(_ command: Command, outcome: ApplyOutcome, now: UInt64) throws {
        guard outcome == .done, isLeading else { return }
        switch command {
        case .grant(let id, _, let ttl):
            state.withLock {
                $0.timers.schedule(.lease(id), deadline: now + UInt64(ttl) * Self.nanosecondsPerSecond)
            }
        case .keepalive(let id, let key, _):
            guard let lease = try store.lease(id) else { return }
            state.withLock {
                $0.timers.cancel(.lease(id))
                $0.timers.schedule(
                    .key(lease: id, name: key), deadline: now + UInt64(lease.ttl) * Self.nanosecondsPerSecond)
            }
        case .revoke(let id):
            state.withLock { $0.timers.cancelLease(id) }
        case .expire(let expiries):
            for id in Set(expiries.map(\.lease)) where try store.lease(id) == nil {
                state.withLock { $0.timers.cancelLease(id) }
            }
        case .put, .delete, .setMember, .removeMember:
            return
        }
    }

    // MARK: Expiry

    /// Pops every countdown that ran out by `now` (at most `limit`) and returns the `expire` command
    /// to propose, or `nil` when nothing expired. If proposing fails, pass the command to
    /// ``retryExpiry(_:now:)`` so the countdowns are not lost.
    func collectExpired(now: UInt64, limit: Int = 10_000) throws -> Command? {
        let fired = state.withLock { $0.leading ? $0.timers.popExpired(now: now, limit: limit) : [] }
        guard !fired.isEmpty else { return nil }
        var expiries: [LeaseExpiry] = []
        expiries.reserveCapacity(fired.count)
        for timer in fired {
            switch timer {
            case .lease(let id):
                if let lease = try store.lease(id), lease.state == .created {
                    expiries.append(LeaseExpiry(lease: id, key: nil, revision: lease.grantRevision))
                }
            case .key(let id, let name):
                if let key = try store.lease(id)?.key(named: name) {
                    expiries.append(LeaseExpiry(lease: id, key: name, revision: key.revision))
                }
            }
        }
        return expiries.isEmpty ? nil : .expire(expiries)
    }

    /// Puts the countdowns of an expire command that could not be proposed back, due at once.
    func retryExpiry(_ command: Command, now: UInt64) {
        guard case .expire(let expiries) = command else { return }
        state.withLock { state in
            guard state.leading else { return }
            for expiry in expiries {
                let timer: LeaseTimer = expiry.key.map { .key(lease: expiry.lease, name: $0) } ?? .lease(expiry.lease)
                if state.timers.deadline(of: timer) == nil { state.timers.schedule(timer, deadline: now) }
            }
        }
    }

    // MARK: Reads

    /// Lease `id` with the whole seconds left on each countdown (leader's view).
    func status(of id: UInt64, now: UInt64) throws -> LeaseStatus? {
        guard let lease = try store.lease(id) else { return nil }
        return state.withLock { Self.status(of: lease, now: now, timers: $0.timers) }
    }

    /// Every lease with its countdowns.
    func allStatuses(now: UInt64) throws -> [LeaseStatus] {
        let leases = try store.allLeases()
        return state.withLock { state in leases.map { Self.status(of: $0, now: now, timers: state.timers) } }
    }

    private static func status(of lease: LeaseRecord, now: UInt64, timers: LeaseTimers) -> LeaseStatus {
        let full = Int64(lease.ttl)
        func seconds(_ timer: LeaseTimer) -> Int64 {
            guard let deadline = timers.deadline(of: timer) else { return full }
            guard deadline > now else { return 0 }
            // Whole seconds, rounded up, as etcd's TimeToLive reports.
            return Int64((deadline - now + nanosecondsPerSecond - 1) / nanosecondsPerSecond)
        }
        let keys = lease.keys.map {
            LeaseStatus.Key(name: $0.name, remaining: seconds(.key(lease: lease.id, name: $0.name)))
        }
        let remaining = lease.state == .created ? seconds(.lease(lease.id)) : keys.map(\.remaining).max() ?? 0
        return LeaseStatus(
            id: lease.id, name: lease.name, ttl: lease.ttl, remaining: remaining, state: lease.state, keys: keys)
    }

    /// The data of every live key starting with `keyPrefix` in every lease whose name starts with
    /// `namePrefix` (through the name index).
    func data(keyPrefix: [UInt8], namePrefix: [UInt8]) throws -> [[UInt8]] {
        var values: [[UInt8]] = []
        for lease in try store.leases(namePrefix: namePrefix) {
            for key in lease.keys where key.name.starts(with: keyPrefix) { values.append(key.data) }
        }
        return values
    }
}
