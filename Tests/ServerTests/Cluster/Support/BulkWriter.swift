import Foundation
import Synchronization

/// Writes many keys to one node with concurrent workers, each over a keep-alive connection of its
/// own: worker `w` of `n` writes indexes `w, w + n, w + 2n, ...`.
enum BulkWriter {
    /// The outcome of a bulk write.
    struct Outcome: Sendable {
        /// How many writes were acknowledged (200).
        var acknowledged = 0
        /// The first few failures, for the failure message.
        var failures: [String] = []
        /// Seconds the whole write took.
        var seconds = 0.0
    }

    /// PUTs `request(i)` (a target and a body) for `i` in `0..<count` to `address` with `workers`
    /// concurrent connections; a 503 or a dropped connection is retried a few times.
    static func write(
        count: Int, workers: Int, to address: String,
        _ request: @escaping @Sendable (Int) -> (target: String, body: [UInt8])
    ) -> Outcome {
        let outcome = Mutex(Outcome())
        let start = monotonicSeconds()
        ThreadRunner.run(workers: workers) { worker in
            let connection = HTTPConnection(address: address, timeout: 30)
            var index = worker
            var acknowledged = 0
            var failures: [String] = []
            while index < count {
                let (target, body) = request(index)
                var attempt = 0
                while true {
                    attempt += 1
                    do {
                        let response = try connection.request("PUT", target, body: body)
                        if response.status == 200 {
                            acknowledged += 1
                            break
                        }
                        if response.status != 503 || attempt >= 5 {
                            failures.append("PUT \(target): \(response)")
                            break
                        }
                    } catch {
                        connection.disconnect()
                        if attempt >= 5 {
                            failures.append("PUT \(target): \(error)")
                            break
                        }
                    }
                    usleep(100_000)
                }
                index += workers
            }
            outcome.withLock {
                $0.acknowledged += acknowledged
                $0.failures += failures.prefix(5)
            }
        }
        return outcome.withLock { outcome in
            outcome.seconds = monotonicSeconds() - start
            return outcome
        }
    }
}
