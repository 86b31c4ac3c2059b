/// A generator of snowflake ids: 64-bit numbers that are unique across the nodes of a cluster and
/// across restarts, and roughly ordered by creation time.
///
/// Layout (the top bit is always 0, so ids are positive in every language and print as plain
/// decimals): `41 bits milliseconds since 2024-01-01 UTC | 10 bits worker id | 12 bits sequence`.
///
/// The generator never trusts the clock to move forward. It keeps the last millisecond it used and
/// never goes below it: when the wall clock steps back (NTP, a VM migration), ids keep coming from the
/// last millisecond's sequence and then from the following milliseconds, "borrowing" from the future
/// until the clock catches up. Across restarts the same holds when the caller passes the largest id
/// it has seen as `floor` (raftd passes the largest lease id in its state machine), so a restart after
/// the clock stepped back cannot reissue an id.
///
/// Not thread-safe by itself: the lease manager owns one and calls it from one place.
struct Snowflake {
    /// The epoch, in milliseconds since 1970: 2024-01-01T00:00:00Z.
    static let epochMilliseconds: UInt64 = 1_704_067_200_000
    /// Largest worker id (10 bits).
    static let maxWorker: UInt64 = 1023
    static let sequenceBits: UInt64 = 12
    static let workerBits: UInt64 = 10
    static let sequenceMask: UInt64 = (1 << sequenceBits) - 1
    static let timeMask: UInt64 = (1 << 41) - 1

    /// This node's worker id, 0...1023.
    let worker: UInt64
    /// The millisecond (since the epoch) of the last id issued.
    private var lastMillisecond: UInt64
    /// The sequence number of the last id issued within `lastMillisecond`.
    private var sequence: UInt64

    /// A generator for `worker` (0...1023) that never issues an id at or below `floor`.
    init?(worker: UInt64, floor: UInt64 = 0) {
        guard worker <= Self.maxWorker else { return nil }
        self.worker = worker
        // Treating the floor's millisecond as used up makes the next id start in a later one.
        lastMillisecond = floor >> (Self.workerBits + Self.sequenceBits)
        sequence = floor == 0 ? 0 : Self.sequenceMask
    }

    /// The worker id derived from a node name, for when no explicit one is configured: FNV-1a of the
    /// name's bytes, modulo 1024. Different names may collide; an explicit `-bind` avoids that.
    static func worker(derivedFrom name: String) -> UInt64 {
        FNV1a.hash(name) % (maxWorker + 1)
    }

    /// The next id, given the wall clock now in milliseconds since 1970.
    mutating func next(nowMilliseconds: UInt64) -> UInt64 {
        let now = nowMilliseconds > Self.epochMilliseconds ? nowMilliseconds - Self.epochMilliseconds : 0
        if now > lastMillisecond {
            lastMillisecond = now
            sequence = 0
        } else if sequence < Self.sequenceMask {
            sequence += 1
        } else {
            // Sequence exhausted in this millisecond (or the clock went back): borrow the next one.
            lastMillisecond += 1
            sequence = 0
        }
        return (lastMillisecond & Self.timeMask) << (Self.workerBits + Self.sequenceBits)
            | worker << Self.sequenceBits | sequence
    }

    /// The creation time encoded in `id`, in milliseconds since 1970.
    static func milliseconds(of id: UInt64) -> UInt64 {
        (id >> (workerBits + sequenceBits)) + epochMilliseconds
    }
}
