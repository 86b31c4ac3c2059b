import Glibc
import NIOCore
import NIOPosix

/// Runs `BenchClient`s on an event loop group: timed runs (the measurement) and batches (setup).
/// Its methods block the calling thread until the run ends; call them from the main thread.
final class LoadRunner: Sendable {
    /// What a timed run measured.
    struct TimedResult: Sendable {
        /// Every client's report, merged.
        var report: ClientReport
        /// The measured window, in seconds.
        var seconds: Double
        /// CPU seconds (user + system) this process used from the window's start to the run's end.
        var cpuSeconds: Double

        /// Responses per second inside the window.
        var requestsPerSecond: Double { seconds > 0 ? Double(report.completed) / seconds : 0 }

        /// Client CPU microseconds per completed request.
        var cpuMicrosecondsPerRequest: Double {
            report.completed > 0 ? cpuSeconds * 1e6 / Double(report.completed) : 0
        }
    }

    /// The event loops the clients run on.
    let group: MultiThreadedEventLoopGroup

    /// A runner with `threads` event loop threads.
    init(threads: Int) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    }

    /// Stops the event loop threads.
    func shutdown() {
        try? group.syncShutdownGracefully()
    }

    /// Runs `clients` closed-loop clients against `targets` (client `i` on `targets[i % count]`):
    /// `warmup` seconds unmeasured, then `duration` seconds measured. Client `i` starts at request
    /// `i * requests.count / clients`, so clients spread over the key space.
    func runTimed(
        requests: RequestSet, targets: [Endpoint], clients: Int, warmup: Double, duration: Double
    ) throws -> TimedResult {
        precondition(!targets.isEmpty && clients > 0, "a timed run needs targets and clients")
        let start = MonotonicClock.nanoseconds()
        let measureStart = start + UInt64(warmup * 1e9)
        let measureEnd = measureStart + UInt64(duration * 1e9)
        var futures: [EventLoopFuture<ClientReport>] = []
        for client in 0..<clients {
            let loop = group.next()
            let endpoint = targets[client % targets.count]
            let firstIndex = Int((Double(client) / Double(clients) * Double(requests.count)).rounded(.down))
            futures.append(
                loop.flatSubmit {
                    BenchClient(
                        eventLoop: loop, endpoint: endpoint, requests: requests,
                        mode: .timed(measureStart: measureStart, measureEnd: measureEnd), firstIndex: firstIndex
                    ).run()
                })
        }
        Self.sleep(until: measureStart)
        let cpuBefore = Self.processCPUSeconds()
        let reports = try EventLoopFuture.whenAllSucceed(futures, on: group.next()).wait()
        let cpuAfter = Self.processCPUSeconds()
        var merged = ClientReport()
        for report in reports { merged.merge(report) }
        return TimedResult(report: merged, seconds: duration, cpuSeconds: cpuAfter - cpuBefore)
    }

    /// Sends every request of `requests` once to `endpoint`, over up to `clients` connections, and
    /// returns the responses in request order. Throws if any request gets no response (within
    /// `timeout` for the whole batch).
    func runBatch(
        requests: RequestSet, endpoint: Endpoint, clients: Int, timeout: TimeAmount = .seconds(300)
    ) throws -> [BatchResponse] {
        let cursor = BatchCursor(count: requests.count)
        var futures: [EventLoopFuture<ClientReport>] = []
        for _ in 0..<min(clients, requests.count) {
            let loop = group.next()
            futures.append(
                loop.flatSubmit {
                    BenchClient(
                        eventLoop: loop, endpoint: endpoint, requests: requests,
                        mode: .batch(cursor, timeout: timeout), firstIndex: 0
                    ).run()
                })
        }
        let reports = try EventLoopFuture.whenAllSucceed(futures, on: group.next()).wait()
        var responses = reports.flatMap(\.responses)
        responses.sort { $0.index < $1.index }
        guard responses.count == requests.count else {
            throw BenchError("setup to \(endpoint): \(responses.count) of \(requests.count) requests answered")
        }
        return responses
    }

    /// Sends one request (its whole bytes, built by `encode`) to `endpoint` and returns the response.
    func send(to endpoint: Endpoint, timeout: TimeAmount = .seconds(10), _ encode: (inout ByteBuffer) -> Void) throws
        -> BatchResponse
    {
        let request = RequestSet(count: 1) { _, buffer in encode(&buffer) }
        guard let response = try runBatch(requests: request, endpoint: endpoint, clients: 1, timeout: timeout).first
        else {
            throw BenchError("no response from \(endpoint)")
        }
        return response
    }

    /// Sleeps the calling thread until the monotonic clock reaches `deadline` (nanoseconds).
    static func sleep(until deadline: UInt64) {
        while true {
            let now = MonotonicClock.nanoseconds()
            guard now < deadline else { return }
            let wait = deadline - now
            var request = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
            var remaining = timespec()
            _ = nanosleep(&request, &remaining)
        }
    }

    /// CPU seconds (user + system) this process has used so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) * 1e-6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
