import Testing

@testable import Raft

/// Clients read (through ReadIndex) and write a replicated key-value store while the simulation
/// injects faults; every run's history must be linearizable.
@Suite struct LinearizabilitySimulationTests {
    static let shards = 4

    @Test(arguments: 0..<LinearizabilitySimulationTests.shards)
    func historiesAreLinearizable(shard: Int) throws {
        let seeds = SimulationSeeds.seeds(ci: 150, base: 1_000_001)
        let totals = try SimulationSeeds.run(
            seeds, shard: shard, of: LinearizabilitySimulationTests.shards, mode: .linearizability
        ) {
            simulation in
            let history = simulation.checkedHistory
            guard case .notLinearizable(let key) = LinearizabilityChecker.check(history) else { return [] }
            return ["history of key \(key) is not linearizable: \(history.filter { $0.key == key })"]
        }
        guard !SimulationSeeds.isReplay else { return }
        // The histories are substantial: many answered reads and acknowledged writes.
        #expect(totals["reads answered", default: 0] > seeds.count * 10 / LinearizabilitySimulationTests.shards)
        #expect(totals["writes acknowledged", default: 0] > seeds.count * 10 / LinearizabilitySimulationTests.shards)
    }

    /// The negative control: reads served locally without ReadIndex are stale under partitions, and
    /// the checker must notice in some runs.
    @Test func checkerCatchesStaleReads() throws {
        guard !SimulationSeeds.isReplay else { return }
        var caught = 0
        for seed in UInt64(2_000_000)..<2_000_030 {
            let simulation = try Simulation(seed: seed, mode: .linearizability)
            simulation.staleReads = true
            _ = simulation.run()
            if LinearizabilityChecker.check(simulation.checkedHistory) != .linearizable { caught += 1 }
        }
        #expect(caught > 0)
    }
}
