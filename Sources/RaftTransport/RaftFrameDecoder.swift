import NIOCore

/// Splits a byte stream into frame payloads, refusing oversized, empty and wrong-version frames as
/// soon as their header arrives (before buffering any payload).
struct RaftFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// The largest payload accepted.
    let maxPayloadSize: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self) else {
            return .needMoreData
        }
        guard length >= 1 else { throw RaftFrameError.emptyFrame }
        guard Int(length) - 1 <= maxPayloadSize else {
            throw RaftFrameError.oversized(length: UInt64(length) - 1, maximum: maxPayloadSize)
        }
        guard let version = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self) else { return .needMoreData }
        guard version == RaftFrame.version else { throw RaftFrameError.wrongVersion(version) }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: RaftFrame.headerSize)
        guard let payload = buffer.readSlice(length: Int(length) - 1) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(payload))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        let state = try decode(context: context, buffer: &buffer)
        if state == .needMoreData && buffer.readableBytes > 0 {
            throw RaftFrameError.truncated(bytes: buffer.readableBytes)
        }
        return state
    }
}
