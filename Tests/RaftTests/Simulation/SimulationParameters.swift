/// The shape of one simulated run, all drawn from its seed.
struct SimulationParameters: CustomStringConvertible {
    /// What a run concentrates on.
    enum Mode {
        /// Writes and some reads on many keys, every kind of fault, membership changes, compaction.
        case safety
        /// Reads and writes on few keys, whose history is checked for linearizability.
        case linearizability
    }

    var nodeCount = 3
    /// How long faults are injected (virtual milliseconds); then the network heals.
    var chaosDuration: UInt64 = 2000
    /// Message delays are drawn from 1...maxDelay milliseconds.
    var maxDelay: UInt64 = 10
    /// Syncs take 0...maxSyncDelay milliseconds.
    var maxSyncDelay: UInt64 = 2
    var dropRate = 0.0
    var duplicateRate = 0.0
    var crashes = true
    var partitions = true
    var membershipChanges = false
    /// Take a snapshot and compact the log after this many applied entries (0: never).
    var compactEvery: UInt64 = 0
    var preVote = true
    var checkQuorum = true
    var maxEntriesPerMessage = 64
    var maxInflight = 16
    /// The size of the snapshot chunks the driver streams.
    var chunkSize = 64
    var clients = 3
    /// The share of client operations that are reads.
    var readFraction = 0.2
    /// Keys are drawn from 1...keys.
    var keys: UInt64 = 8

    static func draw(mode: Mode, random: inout SimRandom) -> SimulationParameters {
        var p = SimulationParameters()
        p.nodeCount = random.chance(0.5) ? 3 : 5
        p.chaosDuration = random.uint(1000...2500)
        p.maxDelay = random.pick([2, 5, 10, 20])
        p.maxSyncDelay = random.pick([0, 1, 3])
        p.dropRate = random.pick([0, 0.01, 0.05, 0.15])
        p.duplicateRate = random.pick([0, 0.02, 0.1])
        p.crashes = random.chance(0.7)
        p.partitions = random.chance(0.7)
        p.preVote = random.chance(0.8)
        p.checkQuorum = random.chance(0.8)
        p.maxEntriesPerMessage = random.pick([1, 3, 64])
        p.maxInflight = random.pick([1, 4, 64])
        p.chunkSize = random.pick([7, 64, 4096])
        switch mode {
        case .safety:
            p.membershipChanges = random.chance(0.35)
            p.compactEvery = random.pick([0, 0, 10, 40])
            p.clients = random.int(2...4)
            p.readFraction = 0.2
            p.keys = 16
        case .linearizability:
            p.membershipChanges = random.chance(0.15)
            p.compactEvery = random.pick([0, 15])
            p.clients = random.int(3...5)
            p.readFraction = 0.5
            p.keys = 3
        }
        return p
    }

    var description: String {
        "nodes=\(nodeCount) chaos=\(chaosDuration)ms delay≤\(maxDelay) sync≤\(maxSyncDelay) drop=\(dropRate) "
            + "dup=\(duplicateRate) crashes=\(crashes) partitions=\(partitions) membership=\(membershipChanges) "
            + "compactEvery=\(compactEvery) preVote=\(preVote) checkQuorum=\(checkQuorum) "
            + "maxEntries=\(maxEntriesPerMessage) inflight=\(maxInflight) chunk=\(chunkSize) clients=\(clients)"
    }
}
