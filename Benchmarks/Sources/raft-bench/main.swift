import Foundation
import Raft
import RaftTransport

// raft-bench: a 3-node Raft cluster over loopback TCP in this process, fsync on, N concurrent
// proposers of fixed-size commands for a fixed time; prints commits/s and commit latency.
//
//   raft-bench [--nodes 3] [--clients 64] [--size 100] [--seconds 10] [--dir DIR]

struct Options {
    var nodes = 3
    var clients = 64
    var size = 100
    var seconds = 10.0
    var directory: String?

    init(_ arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw BenchFailure("\(flag) needs a value") }
            switch flag {
            case "--nodes": nodes = Int(value) ?? nodes
            case "--clients": clients = Int(value) ?? clients
            case "--size": size = Int(value) ?? size
            case "--seconds": seconds = Double(value) ?? seconds
            case "--dir": directory = value
            default: throw BenchFailure("unknown flag \(flag)")
            }
        }
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A port on 127.0.0.1 that was free a moment ago.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw BenchFailure("bind failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Nanosecond latencies, sorted on demand for percentiles.
actor LatencyLog {
    private var samples: [UInt64] = []
    func add(_ batch: [UInt64]) { samples += batch }
    func percentile(_ p: Double) -> Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return 0 }
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
    }
    var count: Int { samples.count }
}

let options = try Options(CommandLine.arguments)
let root = options.directory ?? NSTemporaryDirectory() + "raft-bench-\(getpid())"
try? FileManager.default.removeItem(atPath: root)
var members: [Member] = []
for id in 1...UInt64(options.nodes) { members.append(Member(id: id, address: "127.0.0.1:\(try freePort())")) }
let configuration = Configuration(members: members)
var nodes: [RaftNode<CounterMachine>] = []
for member in members {
    var peers: [NodeID: String] = [:]
    for other in members where other.id != member.id { peers[other.id] = other.address }
    let port = Int(member.address.split(separator: ":")[1]) ?? 0
    nodes.append(
        try await RaftNode.start(
            id: member.id, directory: "\(root)/node\(member.id)", machine: CounterMachine(), bootstrap: configuration
        ) { handler in try await TCPTransport.start(id: member.id, port: port, peers: peers, handler: handler) })
}
var leader: RaftNode<CounterMachine>?
while leader == nil {
    try await Task.sleep(for: .milliseconds(50))
    leader = nodes.first { $0.status.role == .leader }
}
guard let leader else { throw BenchFailure("no leader") }
FileHandle.standardError.write(Data("raft-bench: leader is node \(leader.id); warming up\n".utf8))

let command = [UInt8](repeating: 0x61, count: options.size)
let latencies = LatencyLog()
let start = ContinuousClock.now
let deadline = start + .seconds(options.seconds)
try await withThrowingTaskGroup(of: Void.self) { group in
    for _ in 0..<options.clients {
        group.addTask {
            var local: [UInt64] = []
            local.reserveCapacity(100_000)
            while ContinuousClock.now < deadline {
                let begin = DispatchTime.now().uptimeNanoseconds
                _ = try await leader.propose(command)
                local.append(DispatchTime.now().uptimeNanoseconds - begin)
            }
            await latencies.add(local)
        }
    }
    try await group.waitForAll()
}
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let commits = await latencies.count
let p50 = await latencies.percentile(0.50)
let p99 = await latencies.percentile(0.99)
let load =
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
    .joined(separator: " ") ?? "?"
print("| nodes | clients | command bytes | commits | seconds | commits/s | p50 ms | p99 ms | load after |")
print("|---|---|---|---|---|---|---|---|---|")
print(
    "| \(options.nodes) | \(options.clients) | \(options.size) | \(commits) | \(String(format: "%.1f", seconds)) | "
        + "\(String(format: "%.0f", Double(commits) / seconds)) | \(String(format: "%.2f", p50)) | "
        + "\(String(format: "%.2f", p99)) | \(load) |")
for node in nodes { await node.stop() }
if options.directory == nil { try? FileManager.default.removeItem(atPath: root) }
