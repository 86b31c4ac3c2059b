import NIOCore

/// The one handler in a client connection's pipeline: it hands the connection's events to its
/// `BenchClient`, which sends requests by writing their bytes straight to the socket end of the
/// pipeline (no encoder: the requests are pre-encoded).
final class BenchConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The client this connection belongs to.
    private let client: BenchClient

    /// A handler for one connection of `client`.
    init(client: BenchClient) { self.client = client }

    func channelActive(context: ChannelHandlerContext) {
        client.connected(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client.received(unwrapInboundIn(data), context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.disconnected()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        client.errorCaught(error)
        context.close(promise: nil)
    }
}
