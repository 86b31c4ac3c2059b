import Foundation
import Testing

@testable import Raft

/// The seeds a simulation test runs: `RAFT_SIM_SEED=S` replays one seed (with a trace of its last
/// events on failure); `RAFT_SIM_SEEDS=N` runs N seeds (long mode); otherwise `ciSeeds`.
enum SimulationSeeds {
    static func seeds(ci ciSeeds: Int, base: UInt64) -> [UInt64] {
        let environment = ProcessInfo.processInfo.environment
        if let text = environment["RAFT_SIM_SEED"], let seed = UInt64(text) { return [seed] }
        let count = environment["RAFT_SIM_SEEDS"].flatMap { Int($0) } ?? ciSeeds
        return (0..<UInt64(count)).map { base + $0 }
    }

    static var isReplay: Bool { ProcessInfo.processInfo.environment["RAFT_SIM_SEED"] != nil }

    /// Runs `seeds` whose index falls in `shard` of `shards`, failing with the seed of each failure.
    static func run(
        _ seeds: [UInt64], shard: Int, of shards: Int, mode: SimulationParameters.Mode,
        check: (Simulation) -> [String] = { _ in [] }
    ) throws -> [String: Int] {
        var totals: [String: Int] = [:]
        for (position, seed) in seeds.enumerated() where position % shards == shard {
            let simulation = try Simulation(seed: seed, mode: mode, tracing: isReplay)
            let failures = simulation.run() + check(simulation)
            for (key, value) in simulation.stats { totals[key, default: 0] += value }
            if !failures.isEmpty {
                let suite = mode == .safety ? "SimulationTests" : "LinearizabilitySimulationTests"
                var report = "seed \(seed) failed (replay: RAFT_SIM_SEED=\(seed) swift test --filter \(suite))\n"
                report += "parameters: \(simulation.parameters)\n"
                report += failures.prefix(5).joined(separator: "\n")
                report += "\nstate:\n" + simulation.describe()
                if let trace = simulation.trace { report += "\ntrace:\n" + trace.suffix(150).joined(separator: "\n") }
                Issue.record(Comment(rawValue: report))
            }
        }
        return totals
    }
}

/// Many seeded runs of a 3- or 5-node cluster under crashes, partitions, message loss, duplication
/// and reordering, membership changes and compaction; every run checks Raft's safety properties as
/// it goes and, once healed, that the cluster converges with every acknowledged write applied.
@Suite struct SimulationTests {
    static let shards = 8

    @Test(arguments: 0..<SimulationTests.shards)
    func safetyUnderFaults(shard: Int) throws {
        let seeds = SimulationSeeds.seeds(ci: 500, base: 1)
        _ = try SimulationSeeds.run(seeds, shard: shard, of: SimulationTests.shards, mode: .safety)
    }

    /// A seed replays exactly: same events, same messages, same history.
    @Test func aSeedReplaysExactly() throws {
        for seed: UInt64 in [7, 8] {
            let first = try Simulation(seed: seed, mode: .linearizability)
            let second = try Simulation(seed: seed, mode: .linearizability)
            #expect(first.run() == second.run())
            #expect(first.stats == second.stats)
            #expect(first.history == second.history)
            #expect(first.now == second.now)
        }
    }

    /// The schedules do exercise what they claim to: elections, crashes, partitions, snapshots sent
    /// and installed, compaction, membership changes.
    @Test func schedulesExerciseEveryFault() throws {
        guard !SimulationSeeds.isReplay else { return }
        let seeds = (0..<40).map { UInt64(900_000 + $0) }
        let totals = try SimulationSeeds.run(seeds, shard: 0, of: 1, mode: .safety)
        for key in [
            "elections", "crashes", "partitions", "snapshots sent", "snapshots installed", "compactions",
            "configuration changes", "transfers",
        ] {
            #expect(totals[key, default: 0] > 0, "no \(key) in 40 runs: \(totals)")
        }
    }
}
