import Foundation
import Synchronization

/// A raftd cluster of child processes on loopback, in a temporary directory of its own: node01
/// bootstraps, the others join through it with `-join`, as the seed's README starts them.
///
/// Every way out of a test stops the nodes: ``with(name:nodes:test:_:)`` kills them when
/// the body returns or throws, and ``LiveChildren`` kills stragglers when the test process exits.
/// The directory is removed after a clean run and kept (its path is in the failure message) when an
/// issue was recorded.
final class RaftdCluster: Sendable {
    /// The cluster the current suite shares (see ``SharedClusterTrait``).
    @TaskLocal static var current: RaftdCluster?

    /// A name for messages and the directory.
    let name: String
    /// The temporary directory holding every node's data directory and log file.
    let directory: String

    private struct State {
        var nodes: [RaftdProcess] = []
        var sawIssue = false
        var memos: [String: Result<any Sendable, ClusterError>] = [:]
    }

    private let state = Mutex(State())

    /// An empty cluster in a fresh temporary directory.
    init(name: String) throws {
        self.name = name
        let safe = String(name.map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
        directory =
            FileManager.default.temporaryDirectory.path
            + "/raftd-\(safe)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The cluster the current suite shares; throws outside a suite with ``SharedClusterTrait``.
    static func shared() throws -> RaftdCluster {
        guard let current else { throw ClusterError("no shared cluster: the suite needs .sharedCluster()") }
        return current
    }

    /// Every node ever added, running or not, in the order added.
    var nodes: [RaftdProcess] { state.withLock { $0.nodes } }

    /// The nodes whose process is running.
    var runningNodes: [RaftdProcess] { nodes.filter(\.isRunning) }

    /// Node `id`.
    func node(_ id: String) throws -> RaftdProcess {
        guard let node = nodes.first(where: { $0.id == id }) else { throw ClusterError("no node \(id) in \(name)") }
        return node
    }

    // MARK: Starting

    /// Adds node `id` on fresh ports and starts it: joining through `join`'s HTTP address, or
    /// bootstrapping a new cluster when `join` is `nil`.
    @discardableResult
    func addNode(_ id: String, join: RaftdProcess?) throws -> RaftdProcess {
        let ports = try FreePorts.pick(2)
        let node = RaftdProcess(
            id: id, httpAddress: "127.0.0.1:\(ports[0])", raftAddress: "127.0.0.1:\(ports[1])",
            join: join?.httpAddress, dataDirectory: "\(directory)/\(id)", logPath: "\(directory)/\(id).log")
        state.withLock { $0.nodes.append(node) }
        try node.start()
        return node
    }

    /// Starts `count` nodes `node01`... : node01 bootstraps, the others join through it, each started
    /// once the previous one is a voter (as someone typing the README's lines would). Returns when
    /// every node sees `count` voters and one leader.
    func start(nodes count: Int, timeout: Double = 45) throws {
        let first = try addNode("node01", join: nil)
        try waitUntilStable(voters: 1, timeout: timeout)
        for index in stride(from: 2, through: count, by: 1) {
            try addNode(String(format: "node%02d", index), join: first)
            try waitUntilStable(voters: index, timeout: timeout)
        }
    }

    /// The value `make` built the first time this was called with `key` on this cluster (its failure
    /// too: a setup that failed once is not run again by the next test that needs it). For setups
    /// several tests of a shared cluster need, whatever order they run in.
    func memo<T: Sendable>(_ key: String, _ make: () throws -> T) throws -> T {
        if let known = state.withLock({ $0.memos[key] }) {
            switch known {
            case .success(let value as T): return value
            case .success: throw ClusterError("memo \(key) holds another type")
            case .failure(let error): throw ClusterError("the setup \(key) failed earlier: \(error)")
            }
        }
        do {
            let value = try make()
            state.withLock { $0.memos[key] = .success(value) }
            return value
        } catch {
            state.withLock { $0.memos[key] = .failure(ClusterError("\(error)")) }
            throw error
        }
    }

    // MARK: Observing

    /// `GET /status` of `node`.
    func status(_ node: RaftdProcess) throws -> NodeStatusReport {
        let response = try HTTPClient.get(node.httpAddress, "/status")
        guard response.status == 200 else { throw ClusterError("\(node.id) /status: \(response)") }
        do {
            return try JSONDecoder().decode(NodeStatusReport.self, from: Data(response.body))
        } catch {
            throw ClusterError("\(node.id) /status is not the documented JSON (\(error)): \(response.text)")
        }
    }

    /// Waits until every running node answers `/status` with the same leader, that leader is running
    /// and says it leads, and every node lists exactly the expected voters (every node ever added,
    /// unless `voters` says how many of the first ones). Returns the leader.
    @discardableResult
    func waitUntilStable(voters: Int? = nil, timeout: Double = 30) throws -> RaftdProcess {
        let all = nodes
        let expected = all.prefix(voters ?? all.count).map(\.id).sorted()
        return try poll("a leader and voters \(expected) on every running node", timeout: timeout) { lastSeen in
            let running = all.prefix(voters ?? all.count).filter(\.isRunning)
            var leaders: Set<String> = []
            for node in running {
                let status = try status(node)
                guard status.voters == expected else {
                    let members = status.members.map { "\($0.id) \($0.role)" }.sorted()
                    lastSeen = "\(node.id) sees voters \(status.voters) (members: \(members.joined(separator: ", ")))"
                    return nil
                }
                guard let leader = status.leader else {
                    lastSeen = "\(node.id) knows no leader (state \(status.state), term \(status.term))"
                    return nil
                }
                leaders.insert(leader)
            }
            guard leaders.count == 1, let leaderID = leaders.first,
                let leader = running.first(where: { $0.id == leaderID })
            else {
                lastSeen = "running nodes name leaders \(leaders.sorted())"
                return nil
            }
            guard try status(leader).state == "leader" else {
                lastSeen = "\(leaderID) is named leader but does not lead"
                return nil
            }
            return leader
        }
    }

    /// Waits until a running node says it leads and every other running node that knows a leader
    /// names it; unlike ``waitUntilStable(voters:timeout:)`` it does not look at the membership.
    @discardableResult
    func currentLeader(timeout: Double = 30) throws -> RaftdProcess {
        try poll("a leader among the running nodes", timeout: timeout) { lastSeen in
            let running = runningNodes
            var statuses: [(RaftdProcess, NodeStatusReport)] = []
            for node in running { statuses.append((node, try status(node))) }
            guard let (leader, _) = statuses.first(where: { $0.1.state == "leader" }) else {
                lastSeen = statuses.map { "\($0.0.id): \($0.1.state)" }.joined(separator: ", ")
                return nil
            }
            let dissent = statuses.filter { $0.1.leader != nil && $0.1.leader != leader.id }
            guard dissent.isEmpty else {
                lastSeen = "\(leader.id) leads, but \(dissent.map { "\($0.0.id) names \($0.1.leader ?? "")" })"
                return nil
            }
            return leader
        }
    }

    /// Starts again every node that is not running (a test that failed before restarting the node
    /// it killed), so that a shared cluster's next test finds every node up.
    func restartStopped() throws {
        for node in nodes where !node.isRunning { try node.start() }
    }

    /// The running nodes other than `leader`.
    func followers(of leader: RaftdProcess) -> [RaftdProcess] {
        runningNodes.filter { $0.id != leader.id }
    }

    // MARK: Stopping and diagnostics

    /// SIGKILLs every node still running.
    func stopAll() {
        for node in nodes { node.kill(SIGKILL) }
    }

    /// Records that a test using this cluster failed, so its directory is kept.
    func noteIssue() {
        state.withLock { $0.sawIssue = true }
    }

    /// Stops every node and removes the directory, unless an issue was recorded.
    func finish() {
        stopAll()
        if !state.withLock({ $0.sawIssue }) { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The tail of every node's log, for failure messages.
    func diagnostics(lines: Int = 25) -> String {
        var text = "\(Self.diagnosticsMarker) \(name), directory \(directory) (kept after a failure)"
        for node in nodes {
            text += "\n--- \(node), \(node.isRunning ? "running" : "not running"), last \(lines) log lines ---\n"
            text += node.logTail(lines)
        }
        return text
    }

    /// The first words of ``diagnostics(lines:)``, so the logs are not attached twice to one issue.
    static let diagnosticsMarker = "=== logs of raftd cluster"
}
