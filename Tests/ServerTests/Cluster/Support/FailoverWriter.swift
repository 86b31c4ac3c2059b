import Foundation
import Synchronization

/// Writes keys one after another on a thread of its own, always to the node it believes leads,
/// and records every acknowledged write, when and by whom. On a redirect it moves to the leader
/// named in the Location; on a refused connection, an error or a 503 it tries the next node.
final class FailoverWriter: Sendable {
    /// One acknowledged write.
    struct Ack: Sendable {
        var index: Int
        /// When the 200 arrived (monotonic seconds).
        var time: Double
        /// The HTTP address that answered it.
        var address: String
    }

    private let addresses: [String]
    private let prefix: String
    private let acks = Mutex<[Ack]>([])
    private let stopping = Atomic<Bool>(false)
    private let finished = Mutex<DispatchGroup?>(nil)

    /// A writer of `/key/{prefix}/{i}` to the nodes at `addresses`, starting with the first.
    init(addresses: [String], prefix: String) {
        self.addresses = addresses
        self.prefix = prefix
    }

    /// The value written under index `i`.
    static func value(_ index: Int) -> [UInt8] { Array("value-\(index)".utf8) }

    /// The target path of index `i`.
    func target(_ index: Int) -> String { "/key/\(prefix)/\(index)" }

    /// Every acknowledged write so far.
    var acknowledged: [Ack] { acks.withLock { $0 } }

    /// Starts writing.
    func start() {
        let group = ThreadRunner.start { [self] in run() }
        finished.withLock { $0 = group }
    }

    /// Stops writing and waits for the write in flight.
    func stop() {
        stopping.store(true, ordering: .releasing)
        finished.withLock { $0 }?.wait()
    }

    private func run() {
        var current = 0
        var address = addresses[0]
        var connection = HTTPConnection(address: address, timeout: 5)
        var index = 0
        while !stopping.load(ordering: .acquiring) {
            do {
                let response = try connection.request("PUT", target(index), body: Self.value(index))
                if response.status == 200 {
                    let ack = Ack(index: index, time: monotonicSeconds(), address: address)
                    acks.withLock { $0.append(ack) }
                    index += 1
                    continue
                }
                if response.status == 307, let location = response.header("Location"),
                    let next = HTTPClient.split(location)
                {
                    address = next.address
                    connection = HTTPConnection(address: address, timeout: 5)
                    continue
                }
            } catch {
                // A killed node: try another.
            }
            // The outcome of write `index` is unknown; write the next index, so that every index
            // acknowledged is written exactly once.
            index += 1
            current = (current + 1) % addresses.count
            address = addresses[current]
            connection = HTTPConnection(address: address, timeout: 5)
            usleep(50_000)
        }
    }
}
