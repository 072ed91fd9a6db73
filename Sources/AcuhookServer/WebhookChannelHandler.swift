import AcuhookInbound
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers `POST /webhooks/<source>` on the connection's event loop; passes every other request
/// on to Hummingbird's router.
///
/// Hummingbird hands each request to a task on Swift's cooperative pool and writes the answer
/// back through an async writer, which costs more CPU than everything this path does itself.
/// Here the head, body and end are read as NIO delivers them, the delivery is
/// checked and normalised in place (bodies over ``inlineBodyLimit`` on the task pool instead),
/// the store commits it on its writer thread, and the answer is written from the event loop
/// once the commit is durable. It is the only path for deliveries: ``DeliveryPipeline``
/// decides every answer, and the router sees only other requests.
///
/// It sits after Hummingbird's `HTTPConnectionStateHandler` and the listener's
/// ``RequestWatchHandler``, which therefore see these requests and answers too: deadlines,
/// `Connection: close` after quiescing (graceful shutdown waits for the answer of a delivery
/// being committed) work as for any request.
/// Answers leave in request order: while a delivery is being read or committed, or while
/// Hummingbird still owes answers to requests passed on before it, later input is held (and
/// reading paused) and replayed afterwards.
final class WebhookChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Bodies up to this size are checked and normalised on the event loop; larger ones (push
    /// notifications approach 500 KB) on the task pool, so one big body does not stall the
    /// loop's other connections.
    static let inlineBodyLimit = 64 << 10

    private enum State {
        /// Between requests, or passing a request on to Hummingbird.
        case idle
        /// Reading a delivery's body.
        case receiving(Receiving)
        /// A refused delivery was answered; the rest of its body is dropped.
        case discarding
        /// The delivery is being checked and committed; its answer is not written yet.
        case committing
    }

    private struct Receiving {
        let admitted: DeliveryPipeline.Admitted
        let headers: DeliveryHeaders
        let closeAfter: Bool
        var body: [UInt8]
    }

    private let pipeline: DeliveryPipeline
    private var state = State.idle
    /// The delivery being answered: its path's source name, when its head was read, and (while
    /// the activity feed is followed) the sender's id for it.
    private var delivery: (source: String, started: ContinuousClock.Instant, id: String?) = ("", .now, nil)
    /// Requests passed on to Hummingbird whose answers have not been written yet.
    private var forwarded = 0
    /// Input that arrived while an earlier answer was owed, in order.
    private var held = CircularBuffer<HTTPRequestPart>()
    /// A read asked for while input was held.
    private var readPending = false

    init(pipeline: DeliveryPipeline) {
        self.pipeline = pipeline
    }

    /// Whether input waits: a delivery is being committed, or earlier input is held.
    private var isHolding: Bool {
        if case .committing = state { return true }
        return !held.isEmpty
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if isHolding {
            held.append(part)
        } else {
            handle(part, context: context)
        }
    }

    func read(context: ChannelHandlerContext) {
        if isHolding {
            readPending = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Only Hummingbird's answers come through here (ours are written from this handler).
        context.write(data, promise: promise)
        if case .end = unwrapOutboundIn(data) {
            forwarded -= 1
            if forwarded == 0, !held.isEmpty { resumeInput(context: context) }
        }
    }

    // MARK: - Requests

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            guard let source = Self.webhookSource(head) else {
                forwarded += 1
                context.fireChannelRead(wrapInboundOut(part))
                return
            }
            guard forwarded == 0 else {
                // Hummingbird still owes earlier answers: this one waits its turn.
                held.append(part)
                return
            }
            begin(head, source: source, context: context)
        case (.idle, _):
            // The body and end of a request passed on.
            context.fireChannelRead(wrapInboundOut(part))
        case (.receiving(var receiving), .body(let buffer)):
            guard receiving.body.count + buffer.readableBytes <= receiving.admitted.maxBodySize else {
                state = .discarding
                answer(pipeline.bodyTooLarge(receiving.admitted, headers: receiving.headers), closeAfter: receiving.closeAfter, context: context)
                return
            }
            state = .idle  // drop the array's second reference before appending (no copy)
            receiving.body.append(contentsOf: buffer.readableBytesView)
            state = .receiving(receiving)
        case (.receiving(let receiving), .end):
            state = .committing
            commit(receiving, context: context)
        case (.receiving, .head), (.discarding, .head):
            // The HTTP decoder never sends a head before the previous request's end.
            context.fireErrorCaught(HTTPParserError.invalidInternalState)
        case (.discarding, .body):
            break
        case (.discarding, .end):
            state = .idle
            resumeInput(context: context)
        case (.committing, _):
            held.append(part)
        }
    }

    private func begin(_ head: HTTPRequest, source: String, context: ChannelHandlerContext) {
        let headers = DeliveryHeaders(head.headerFields.map { ($0.name.canonicalName, $0.value) })
        delivery = (source, .now, DeliveryPipeline.deliveryID(headers))
        let contentLength = headers["content-length"].flatMap { Int($0) }
        let closeAfter = headers["connection"]?.lowercased().contains("close") ?? false
        let preflight = pipeline.preflight(
            source: source,
            contentType: headers["content-type"],
            contentLength: contentLength,
            headers: headers,
            peer: context.channel.remoteAddress.flatMap(Receiver.addressText)
        )
        switch preflight {
        case .reject(let outcome):
            state = .discarding
            answer(outcome, closeAfter: closeAfter, context: context)
        case .proceed(let admitted):
            if headers["expect"]?.lowercased() == "100-continue" {
                // The sender (curl, for bodies over 1 KiB) waits for this before sending the body.
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
            var body: [UInt8] = []
            body.reserveCapacity(min(contentLength ?? 0, admitted.maxBodySize))
            state = .receiving(Receiving(admitted: admitted, headers: headers, closeAfter: closeAfter, body: body))
        }
    }

    private func commit(_ receiving: Receiving, context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let closeAfter = receiving.closeAfter
        let done: @Sendable (ReceiverOutcome) -> Void = { outcome in
            // On the store's thread (or at once, for a refusal): back to the event loop.
            loop.execute {
                let (handler, context) = bound.value
                handler.state = .idle
                handler.answer(outcome, closeAfter: closeAfter, context: context)
                handler.resumeInput(context: context)
            }
        }
        let (pipeline, admitted, body, headers) = (pipeline, receiving.admitted, receiving.body, receiving.headers)
        if body.count <= Self.inlineBodyLimit {
            pipeline.deliver(admitted, body: body, headers: headers, completion: done)
        } else {
            Task { pipeline.deliver(admitted, body: body, headers: headers, completion: done) }
        }
    }

    // MARK: - Answers

    private func answer(_ outcome: ReceiverOutcome, closeAfter: Bool, context: ChannelHandlerContext) {
        pipeline.record(outcome, source: delivery.source, deliveryID: delivery.id, since: delivery.started)
        guard context.channel.isActive else { return }
        let (head, body) = Receiver.responseParts(outcome)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        if closeAfter {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    /// After an answer: replays held input, then the read asked for meanwhile.
    private func resumeInput(context: ChannelHandlerContext) {
        replayHeld(context: context)
        if held.isEmpty, readPending, case .idle = state {
            readPending = false
            context.read()
        }
    }

    /// Hands held input on in order, until a delivery starts committing again or has to wait
    /// for answers Hummingbird still owes.
    private func replayHeld(context: ChannelHandlerContext) {
        guard !held.isEmpty else { return }
        let before = forwarded
        defer {
            // Hummingbird's async channel hands reads on at the end of a read cycle: end one.
            if forwarded != before { context.fireChannelReadComplete() }
        }
        while let part = held.first {
            if case .committing = state { return }
            if case .head(let head) = part, case .idle = state, forwarded > 0, Self.webhookSource(head) != nil { return }
            held.removeFirst()
            handle(part, context: context)
        }
    }

    /// The `<source>` of `POST /webhooks/<source>` (query ignored), or nil for anything else —
    /// other methods, deeper or encoded paths — which Hummingbird's router answers.
    static func webhookSource(_ head: HTTPRequest) -> String? {
        guard head.method == .post, let path = head.path else { return nil }
        let prefix = "/webhooks/"
        guard path.utf8.starts(with: prefix.utf8) else { return nil }
        let rest = path.utf8.dropFirst(prefix.utf8.count).prefix { $0 != UInt8(ascii: "?") }
        guard !rest.isEmpty, !rest.contains(UInt8(ascii: "/")), !rest.contains(UInt8(ascii: "%")) else { return nil }
        return String(Substring(rest))
    }
}
