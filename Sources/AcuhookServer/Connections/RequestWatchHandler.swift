import AcuhookInbound
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Sits just after the HTTP codec: tells the connection's ``ConnectionWatch`` of each head,
/// body part and end read and each answer written, and answers what the HTTP decoder refuses
/// with the usual JSON error body before closing: 431 for a head over the limits, 400 for
/// anything else it cannot parse, request-smuggling shapes included (`Content-Length` with
/// `Transfer-Encoding`, two different `Content-Length` values, a bad chunk size). Nothing of
/// such a request reaches the handlers after it as complete, so nothing of it is stored.
///
/// Hummingbird's `HTTP1Channel` takes it as an additional channel handler, and so does
/// Acuhook's webhook channel.
///
/// - Important: Confined to the connection's event loop.
final class RequestWatchHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var watch: ConnectionWatch?
    /// Requests whose head was read and whose answer is not written in full.
    private var owed = 0
    /// A request's head was read and its end not yet.
    private var reading = false
    /// An answer's head was written and its end not yet.
    private var answering = false
    private var failed = false

    init() {}

    func handlerAdded(context: ChannelHandlerContext) {
        watch = try? context.pipeline.syncOperations.handler(type: ConnectionWatch.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            owed += 1
            reading = true
            watch?.headReceived(head)
        case .body(let buffer):
            watch?.bodyReceived(buffer.readableBytes)
        case .end:
            reading = false
            watch?.requestEnded()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.kind != .informational:
            answering = true
        case .end:
            answering = false
            owed -= 1
            context.write(data, promise: promise)
            watch?.answerEnded()
            return
        default:
            break
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !failed else { return }
        failed = true
        // The client closed in the middle of a request: nothing to answer, nothing to count.
        if case .invalidEOFState = error {
            context.close(promise: nil)
            return
        }
        let gate = watch.map(\.gate)
        let client = watch?.client ?? context.channel.remoteAddress.flatMap(Receiver.addressText) ?? "-"
        let (outcome, reason) = Self.outcome(error, limits: gate?.limits)
        var metadata: Logger.Metadata = ["acuhook.error": "\(error)", "acuhook.status": "\(outcome.status)"]
        if reading, let id = watch?.head.flatMap(ConnectionWatch.deliveryID) { metadata["acuhook.delivery.id"] = "\(id)" }
        gate?.refused(reason, client: client, "request refused: the HTTP decoder could not take it", metadata: metadata)
        // Answered only when nothing else is owed on this connection, so answers stay in order.
        guard !answering, owed == (reading ? 1 : 0) else {
            context.close(promise: nil)
            return
        }
        var (head, body) = Receiver.responseParts(outcome)
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// The answer to a decoder error, and the reason it is counted under.
    static func outcome(_ error: HTTPParserError, limits: ConnectionLimits?) -> (ReceiverOutcome, ListenerGate.Refusal) {
        switch error {
        case .headerOverflow:
            let limits = limits ?? ConnectionLimits()
            let message = "the request head is too large: at most \(limits.maxHeadSize) bytes and \(limits.maxHeaderFields) header fields"
            return (.error(431, code: "header_too_large", message), .headTooLarge)
        case .unexpectedContentLength:
            return (.error(400, code: "bad_request", "Content-Length with Transfer-Encoding, or two Content-Length values, are refused"), .badRequest)
        case .invalidContentLength:
            return (.error(400, code: "bad_request", "the Content-Length is not valid"), .badRequest)
        case .invalidChunkSize:
            return (.error(400, code: "bad_request", "a chunk size is not valid"), .badRequest)
        default:
            return (.error(400, code: "bad_request", "the request is not valid HTTP/1.1"), .badRequest)
        }
    }
}

@available(*, unavailable)
extension RequestWatchHandler: Sendable {}
