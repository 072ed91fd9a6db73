import AcuhookCore
import AcuhookInbound
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOTLS

/// Holds one connection to its deadlines (``ConnectionDeadlines``) and its head to
/// `max_head_size`. It sits on the connection's bytes, after TLS and before the HTTP decoder,
/// and learns of heads, bodies and answers from its partner after the HTTP codec
/// (``RequestWatchHandler``).
///
/// One timer per connection: it fires at the nearest deadline known, or sooner, never later
/// than the shortest limit from when it was set. A deadline that appears later is never
/// earlier than that, so no request ever moves the timer: it is set again only when it fires,
/// or when an answer is written while none is set.
///
/// - Important: Confined to the connection's event loop.
final class ConnectionWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let gate: ListenerGate
    private var deadlines: ConnectionDeadlines<ContinuousClock.Instant>
    /// The longest a timer is set for: the shortest of the limits.
    private let step: Duration
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    /// Input is dropped once the head is refused.
    private var refusing = false
    /// The client's address, for log lines.
    private(set) var client = "-"
    /// The head of the request being read or answered, for its delivery id in log lines.
    var head: HTTPRequest?

    init(gate: ListenerGate, tls: Bool) {
        self.gate = gate
        let limits = gate.limits
        deadlines = ConnectionDeadlines(limits: limits, tls: tls, now: .now)
        var step = min(limits.headerTimeout, limits.bodyTimeout, limits.idleTimeout, limits.tlsHandshakeTimeout)
        if limits.minBodyRate > 0 { step = min(step, limits.minBodyRateGrace) }
        self.step = max(step, .milliseconds(10))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        client = context.channel.remoteAddress.flatMap(Receiver.addressText) ?? "-"
        arm()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusing else { return }
        let bytes = unwrapInboundIn(data).readableBytes
        let headWasOpen = deadlines.isReadingHead
        let heads = deadlines.headsRead
        deadlines.inputArrived(at: .now)
        context.fireChannelRead(data)
        // Still the same head after the decoder took these bytes: they were all head.
        if headWasOpen, deadlines.headsRead == heads, deadlines.headBytes(bytes) {
            refusing = true
            context.fireErrorCaught(HTTPParserError.headerOverflow)
        }
        arm()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            deadlines.handshakeCompleted(at: .now)
            arm()
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: - From the request watch

    func headReceived(_ head: HTTPRequest) {
        self.head = head
        deadlines.headReceived(at: .now)
    }

    func bodyReceived(_ count: Int) {
        deadlines.bodyReceived(count)
    }

    func requestEnded() {
        deadlines.requestEnded(at: .now)
        arm()
    }

    func answerEnded() {
        deadlines.answerEnded(at: .now)
        arm()
    }

    // MARK: - The timer

    /// Sets the timer when none is set and a deadline runs.
    private func arm() {
        guard timer == nil, let context, let (at, _) = deadlines.deadline() else { return }
        let now = ContinuousClock.now
        let wait = max(.zero, min(now.duration(to: at), step))
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: .nanoseconds(wait.wholeNanoseconds)) {
            self.fired()
        }
    }

    private func fired() {
        timer = nil
        guard let context else { return }
        guard let expiry = deadlines.expired(at: .now) else {
            arm()
            return
        }
        refusing = true
        // An idle keep-alive connection closing is ordinary: counted, not logged.
        let level: Logger.Level? = expiry == .idle ? nil : .notice
        var metadata: Logger.Metadata = [:]
        if let id = head.flatMap(Self.deliveryID) { metadata["acuhook.delivery.id"] = "\(id)" }
        gate.closed(expiry.rawValue, client: client, "connection closed: past its deadline", level: level, metadata: metadata)
        context.close(promise: nil)
    }

    /// The sender's delivery id in `head`, when it names one.
    static func deliveryID(_ head: HTTPRequest) -> String? {
        for name in ["X-Acumatica-Delivery", "webhook-id"] {
            if let field = HTTPField.Name(name), let value = head.headerFields[field] { return value }
        }
        return nil
    }
}

@available(*, unavailable)
extension ConnectionWatch: Sendable {}
