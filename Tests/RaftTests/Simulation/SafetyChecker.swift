@testable import Raft

/// The invariants of Raft (§5.4, Figure 3), checked as a simulation runs: election safety, log
/// matching, leader completeness, state machine safety. Violations are collected as messages.
final class SafetyChecker {
    /// The leader seen in each term.
    private(set) var leaderOfTerm: [UInt64: NodeID] = [:]
    /// Every entry known committed (seen committed on a leader or applied anywhere), by index.
    private(set) var committed: [UInt64: Entry] = [:]
    /// The lowest term of a leader that was seen committing each index.
    private(set) var commitTerm: [UInt64: UInt64] = [:]
    private(set) var violations: [String] = []

    func fail(_ message: String) {
        if violations.count < 20 { violations.append(message) }
    }

    /// Election safety: at most one leader per term.
    func observeLeader(_ id: NodeID, term: UInt64) {
        if let other = leaderOfTerm[term], other != id {
            fail("election safety: \(other) and \(id) both led term \(term)")
        }
        leaderOfTerm[term] = id
    }

    /// Records what a leader of `term` has committed; the entries must agree with any committed before.
    func observeCommit(of entries: [Entry], leaderTerm: UInt64) {
        for entry in entries {
            record(entry, by: "leader commit")
            commitTerm[entry.index] = min(commitTerm[entry.index] ?? .max, leaderTerm)
        }
    }

    /// State machine safety: every server applies the same entry at an index.
    func observeApply(_ entry: Entry, node: NodeID) {
        record(entry, by: "apply on \(node)")
    }

    private func record(_ entry: Entry, by who: String) {
        if let known = committed[entry.index] {
            if known != entry {
                fail(
                    "state machine safety: \(who) has term \(entry.term) at index \(entry.index), "
                        + "committed was term \(known.term)")
            }
        } else {
            committed[entry.index] = entry
        }
    }

    /// Leader completeness: a leader of `term` holds every entry committed in an earlier term (those
    /// its log has not compacted into a snapshot).
    func checkLeaderCompleteness(_ core: RaftCore, node: NodeID) throws {
        let term = core.currentTerm
        let firstIndex = core.log.firstIndex
        for (index, commitTerm) in commitTerm where commitTerm < term && index >= firstIndex {
            guard let entry = committed[index] else { continue }
            let held = try core.log.termIfPresent(at: index)
            if held != entry.term {
                fail(
                    "leader completeness: leader \(node) of term \(term) has term \(held.map(String.init) ?? "none") "
                        + "at index \(index), committed in term \(commitTerm) with term \(entry.term)")
            }
        }
    }

    /// Log matching: if two logs hold an entry with the same index and term, they are identical up
    /// to it. Also checks every log against the committed entries it holds.
    func checkLogMatching(_ logs: [(NodeID, [UInt64: Entry])]) {
        for (node, log) in logs {
            for (index, entry) in log {
                if let known = committed[index], known.term == entry.term, known != entry {
                    fail("log matching: \(node) holds a different entry of term \(entry.term) at \(index)")
                }
            }
        }
        for a in 0..<logs.count {
            for b in (a + 1)..<logs.count {
                let (nodeA, logA) = logs[a]
                let (nodeB, logB) = logs[b]
                // The highest index where both hold the same term.
                var highest: UInt64 = 0
                for (index, entry) in logA where index > highest && logB[index]?.term == entry.term {
                    highest = index
                }
                guard highest > 0 else { continue }
                for (index, entry) in logA where index <= highest {
                    if let other = logB[index], other != entry {
                        fail(
                            "log matching: \(nodeA) and \(nodeB) agree at \(highest) but differ at \(index) "
                                + "(terms \(entry.term) and \(other.term))")
                        break
                    }
                }
            }
        }
    }
}
