import NIOCore
import Raft

/// The handler of an accepted connection, after the frame decoder: checks that the first frame is a
/// handshake, then hands every later payload to the transport's message handler with the sender's id.
/// Any error (a bad frame from the decoder, a bad handshake) is logged and closes this connection only.
final class InboundFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let deliver: RaftMessageHandler
    private let log: @Sendable (String) -> Void
    private let connectionClosed: @Sendable (ObjectIdentifier) -> Void
    /// The sender, once its handshake arrived. Confined to the channel's event loop.
    private var sender: NodeID?

    init(
        deliver: @escaping RaftMessageHandler, log: @escaping @Sendable (String) -> Void,
        connectionClosed: @escaping @Sendable (ObjectIdentifier) -> Void
    ) {
        self.deliver = deliver
        self.log = log
        self.connectionClosed = connectionClosed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var payload = unwrapInboundIn(data)
        guard let sender else {
            guard let id = RaftFrame.parseHandshake(payload) else {
                errorCaught(context: context, error: RaftFrameError.badHandshake)
                return
            }
            sender = id
            return
        }
        deliver(sender, payload.readBytes(length: payload.readableBytes) ?? [])
    }

    func channelInactive(context: ChannelHandlerContext) {
        connectionClosed(ObjectIdentifier(context.channel))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let from = sender.map { "peer \($0)" } ?? "an unidentified peer"
        let remote = context.remoteAddress.map { "\($0)" } ?? "?"
        log("closing the connection from \(from) (\(remote)): \(error)")
        context.close(promise: nil)
    }
}
