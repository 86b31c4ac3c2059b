/// The appends sent to one follower and not yet acknowledged, in replicate state: the flow-control
/// window that bounds how far the leader pipelines ahead of the follower.
///
/// A ring of (last index, bytes) per message. The leader stops sending when the window holds
/// `capacity` messages or `maxBytes` bytes, and frees the front as acknowledgements arrive.
struct Inflights {
    /// The most messages in flight.
    let capacity: Int
    /// The most bytes in flight (0 for no limit).
    let maxBytes: Int
    /// The ring's storage.
    private var ring: [(index: UInt64, bytes: Int)] = []
    /// The position of the oldest message in `ring`.
    private var head = 0
    /// How many messages are in flight.
    private(set) var count = 0
    /// How many bytes are in flight.
    private(set) var bytes = 0

    /// Creates an empty window.
    init(capacity: Int, maxBytes: Int) {
        self.capacity = max(capacity, 1)
        self.maxBytes = maxBytes
    }

    /// Whether no more messages may be sent.
    var isFull: Bool { count >= capacity || (maxBytes > 0 && bytes >= maxBytes) }

    /// Records a message whose last entry is `index`.
    mutating func add(index: UInt64, bytes size: Int) {
        // The ring is allocated on first use: most followers of an idle cluster never need it.
        if ring.isEmpty { ring = Array(repeating: (0, 0), count: capacity) }
        ring[(head + count) % capacity] = (index, size)
        count += 1
        bytes += size
    }

    /// Frees every message whose last entry is at or below `index`.
    mutating func free(through index: UInt64) {
        while count > 0 {
            guard ring[head].index <= index else { break }
            bytes -= ring[head].bytes
            head = (head + 1) % capacity
            count -= 1
        }
        if count == 0 { head = 0 }
    }

    /// Empties the window.
    mutating func reset() {
        head = 0
        count = 0
        bytes = 0
    }
}
