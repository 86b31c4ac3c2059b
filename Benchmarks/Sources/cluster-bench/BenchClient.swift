import NIOCore
import NIOPosix

/// One closed-loop client: one keep-alive HTTP/1.1 connection that sends its next request as soon as
/// the previous response ends (like one of `hey -c C`'s workers). It lives on one event loop and is
/// touched only there, so it needs no locks; its connection's handler calls into it.
///
/// Two modes:
/// - timed: cycles through the request set from `firstIndex` until the schedule's end, recording the
///   latency and status of every response that completes inside the measured window. A lost
///   connection counts as an error and is replaced (after 10 ms, so a dead server is not hammered).
/// - batch: takes request indices from a shared cursor until the batch is exhausted, collecting every
///   response's status and body; any transport failure fails the batch (setup must not half-succeed).
///
/// The hot path per request is: a clock read, a write of a pre-encoded slice, the response parse, a
/// clock read and a histogram increment; nothing is allocated.
final class BenchClient {
    /// What the client does; see the type's documentation.
    enum Mode {
        /// Measure between `measureStart` and `measureEnd` (monotonic nanoseconds), then stop.
        case timed(measureStart: UInt64, measureEnd: UInt64)
        /// Send the batch's requests, with a deadline for the whole batch.
        case batch(BatchCursor, timeout: TimeAmount)
    }

    /// Wait before replacing a connection that failed.
    private static let reconnectDelay = TimeAmount.milliseconds(10)

    private let eventLoop: any EventLoop
    private let endpoint: Endpoint
    private let requests: RequestSet
    private let mode: Mode
    private let promise: EventLoopPromise<ClientReport>
    private var report = ClientReport()
    private var parser: HTTPResponseParser
    /// The live connection's context, nil while connecting.
    private var context: ChannelHandlerContext?
    /// Timed mode: the next request to send.
    private var nextIndex: Int
    /// The request in flight, if any, and when it was sent.
    private var inFlightIndex = 0
    private var inFlight = false
    private var requestStart: UInt64 = 0
    /// Set once the promise is completed: every later event is ignored.
    private var finished = false
    /// The end-of-run timer (timed) or the batch deadline.
    private var timer: Scheduled<Void>?

    /// A client of `endpoint` sending `requests` (timed mode starts at `firstIndex`). Must be created
    /// on `eventLoop`.
    init(eventLoop: any EventLoop, endpoint: Endpoint, requests: RequestSet, mode: Mode, firstIndex: Int) {
        eventLoop.preconditionInEventLoop()
        self.eventLoop = eventLoop
        self.endpoint = endpoint
        self.requests = requests
        self.mode = mode
        self.promise = eventLoop.makePromise()
        if case .batch = mode {
            parser = HTTPResponseParser(collectsBody: true)
        } else {
            parser = HTTPResponseParser()
        }
        nextIndex = firstIndex % requests.count
    }

    /// Connects and runs; the future completes with the client's report at the schedule's end
    /// (timed) or when the batch is exhausted, and fails if a batch cannot be completed.
    func run() -> EventLoopFuture<ClientReport> {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        switch mode {
        case .timed(_, let measureEnd):
            let now = MonotonicClock.nanoseconds()
            let wait = measureEnd > now ? Int64(measureEnd - now) : 0
            timer = eventLoop.scheduleTask(in: .nanoseconds(wait)) { bound.value.finish() }
        case .batch(_, let timeout):
            timer = eventLoop.scheduleTask(in: timeout) {
                bound.value.fail(BenchError("setup requests to \(bound.value.endpoint) timed out"))
            }
        }
        connect()
        return promise.futureResult
    }

    // MARK: Connection events (called by BenchConnectionHandler)

    /// The connection is up: start sending.
    func connected(_ context: ChannelHandlerContext) {
        guard !finished else {
            context.close(promise: nil)
            return
        }
        self.context = context
        sendNext(context)
    }

    /// Bytes arrived on the connection.
    func received(_ buffer: ByteBuffer, _ context: ChannelHandlerContext) {
        guard !finished else { return }
        var buffer = buffer
        while buffer.readableBytes > 0 {
            guard inFlight else {
                transportError("\(buffer.readableBytes) bytes from \(endpoint) with no request in flight")
                context.close(promise: nil)
                return
            }
            let consumed: Int
            do {
                consumed = try buffer.withUnsafeReadableBytes { try parser.parse($0) }
            } catch {
                transportError("bad response from \(endpoint): \(error)")
                context.close(promise: nil)
                return
            }
            buffer.moveReaderIndex(forwardBy: consumed)
            if parser.isComplete {
                responseComplete()
                guard !finished else { return }
                if parser.closesConnection {
                    // The server closes after this response; the next request goes on a new connection.
                    parser.reset()
                    context.close(promise: nil)
                    return
                }
                parser.reset()
                sendNext(context)
            }
        }
    }

    /// The connection is gone: count the request in flight as failed (unless the close ended its
    /// body) and connect again.
    func disconnected() {
        context = nil
        guard !finished else { return }
        var clean = true
        if inFlight {
            if parser.connectionClosed() {
                responseComplete()
                guard !finished else { return }
            } else {
                clean = false
                if case .batch = mode {
                    fail(BenchError("\(endpoint) closed the connection before answering a setup request"))
                    return
                }
                transportError("\(endpoint) closed the connection with a request in flight")
            }
        }
        parser.reset()
        inFlight = false
        if clean {
            connect()
        } else {
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            eventLoop.scheduleTask(in: Self.reconnectDelay) { bound.value.connect() }
        }
    }

    /// The connection failed with `error`; it is being closed.
    func errorCaught(_ error: any Error) {
        guard !finished else { return }
        if case .batch = mode {
            fail(BenchError("connection to \(endpoint) failed during setup: \(error)"))
            return
        }
        // The close that follows counts the request in flight.
        if report.firstError == nil { report.firstError = "\(endpoint): \(error)" }
    }

    // MARK: The loop

    /// Opens a new connection; its handler calls `connected` when it is up.
    private func connect() {
        guard !finished else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        ClientBootstrap(group: eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BenchConnectionHandler(client: bound.value))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenFailure { error in bound.value.connectFailed(error) }
    }

    /// A connection attempt failed: fail the batch, or count an error and try again shortly.
    private func connectFailed(_ error: any Error) {
        guard !finished else { return }
        if case .batch = mode {
            fail(BenchError("cannot connect to \(endpoint): \(error)"))
            return
        }
        transportError("cannot connect to \(endpoint): \(error)")
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(in: Self.reconnectDelay) { bound.value.connect() }
    }

    /// Sends the next request, or finishes a batch that has none left.
    @inline(__always)
    private func sendNext(_ context: ChannelHandlerContext) {
        let index: Int
        switch mode {
        case .timed:
            index = nextIndex
            nextIndex = nextIndex + 1 == requests.count ? 0 : nextIndex + 1
        case .batch(let cursor, _):
            guard let taken = cursor.take() else {
                succeed()
                return
            }
            index = taken
        }
        inFlightIndex = index
        inFlight = true
        requestStart = MonotonicClock.nanoseconds()
        context.writeAndFlush(NIOAny(requests[index]), promise: nil)
    }

    /// Records the response the parser has just completed.
    @inline(__always)
    private func responseComplete() {
        let now = MonotonicClock.nanoseconds()
        inFlight = false
        let statusClass = parser.status / 100
        switch mode {
        case .timed(let measureStart, let measureEnd):
            guard now >= measureStart && now < measureEnd else { return }
            report.histogram.record(now &- requestStart)
            report.statusClasses[statusClass >= 1 && statusClass <= 5 ? statusClass : 0] &+= 1
        case .batch:
            report.histogram.record(now &- requestStart)
            report.statusClasses[statusClass >= 1 && statusClass <= 5 ? statusClass : 0] &+= 1
            report.responses.append(BatchResponse(index: inFlightIndex, status: parser.status, body: parser.body))
        }
    }

    /// Counts a transport error (in timed mode, only inside the measured window) and keeps the first
    /// description.
    private func transportError(_ description: String) {
        if case .timed(let measureStart, let measureEnd) = mode {
            let now = MonotonicClock.nanoseconds()
            guard now >= measureStart && now < measureEnd else { return }
        }
        report.transportErrors += 1
        if report.firstError == nil { report.firstError = description }
    }

    // MARK: Ending

    /// Timed mode's end: report what was measured and close the connection (a response still in
    /// flight is not counted: it did not complete inside the window).
    private func finish() { succeed() }

    /// Completes the run successfully with the report.
    private func succeed() {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        context?.close(promise: nil)
        promise.succeed(report)
    }

    /// Completes the run with `error`.
    private func fail(_ error: BenchError) {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        context?.close(promise: nil)
        promise.fail(error)
    }
}
