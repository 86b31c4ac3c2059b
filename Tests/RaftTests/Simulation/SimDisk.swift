@testable import Raft

/// A node's simulated disk: what survives a crash is what was synced, plus (as on a real disk) any
/// prefix of the writes issued since the last sync.
struct SimDisk {
    /// What the disk holds.
    struct State {
        var hardState = HardState()
        var snapshot: (metadata: SnapshotMetadata, data: [UInt8])?
        /// The log after the compaction point, contiguous.
        var entries: [Entry] = []
        /// The index before `entries[0]` and its term.
        var base: (index: UInt64, term: UInt64) = (0, 0)

        mutating func apply(_ write: Write) {
            switch write {
            case .hardState(let state):
                hardState = state
            case .append(let newEntries):
                guard let first = newEntries.first?.index else { return }
                var toAppend = newEntries[...]
                if first <= base.index { toAppend = toAppend.dropFirst(Int(base.index - first + 1)) }
                guard let start = toAppend.first?.index else { return }
                let keep = Int(start - base.index - 1)
                if keep < entries.count { entries.removeSubrange(keep...) }
                entries.append(contentsOf: toAppend)
            case .installSnapshot(let metadata, let data):
                snapshot = (metadata, data)
                entries = []
                base = (metadata.index, metadata.term)
            }
        }
    }

    /// One write the driver issues.
    enum Write {
        case hardState(HardState)
        case append([Entry])
        case installSnapshot(SnapshotMetadata, [UInt8])
    }

    private(set) var synced = State()
    private(set) var unsynced: [Write] = []

    mutating func write(_ write: Write) { unsynced.append(write) }

    mutating func sync() {
        for write in unsynced { synced.apply(write) }
        unsynced = []
    }

    /// A crash: a random prefix of the unsynced writes made it, the rest is lost.
    mutating func crash(random: inout SimRandom) {
        let kept = random.int(0...unsynced.count)
        for write in unsynced.prefix(kept) { synced.apply(write) }
        unsynced = []
    }

    /// The application wrote a snapshot (a synced file of its own) and compacts the synced log up to
    /// `compactThrough` (at most the snapshot's index).
    mutating func saveSnapshot(_ metadata: SnapshotMetadata, data: [UInt8], compactThrough: UInt64) {
        synced.snapshot = (metadata, data)
        guard compactThrough > synced.base.index else { return }
        let count = Int(compactThrough - synced.base.index)
        guard count <= synced.entries.count else { return }
        synced.base = (compactThrough, synced.entries[count - 1].term)
        synced.entries.removeFirst(count)
    }
}
