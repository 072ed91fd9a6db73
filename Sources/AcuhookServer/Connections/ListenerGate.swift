import AcuhookInbound
import CoreMetrics
import Logging
import NIOCore
import Synchronization

/// One listener's connection bookkeeping, shared by its accept handler and every connection's
/// watch: the caps (``ConnectionCaps``), the counters of connections closed by reason, and the
/// throttled log lines about them.
///
/// Series (Prometheus names): `acuhook_connections_closed_total{listener,reason}` (reasons:
/// the deadline phases of ``ConnectionDeadlines/Expiry``, `client_limit`, `connection_limit`,
/// `head_too_large`, `bad_request`), `acuhook_connections_open{listener}` and
/// `acuhook_accept_errors_total{listener}`.
///
/// - Important: Thread-safe: accepts run on the listener's event loop, closes on each
///   connection's.
public final class ListenerGate: Sendable {
    /// Why a connection was closed by the listener, beyond the deadline phases.
    public enum Refusal: String, Sendable, CaseIterable {
        /// Its client had `max_connections_per_client` (or the proxy cap) open already.
        case clientLimit = "client_limit"
        /// The listener had `max_connections` open already.
        case connectionLimit = "connection_limit"
        /// Its request head was over `max_head_size` or `max_header_fields` (answered 431).
        case headTooLarge = "head_too_large"
        /// Its request could not be parsed, or had a request-smuggling shape (answered 400).
        case badRequest = "bad_request"
    }

    /// The listener's name, the `listener` label: `receiver` or `admin`.
    public let listener: String
    /// The limits its connections get.
    public let limits: ConnectionLimits
    /// Its total cap, resolved.
    public let maxConnections: Int
    let logger: Logger
    private let trustedProxies: [CIDRRange]
    private let caps: Mutex<ConnectionCaps>
    private let throttle: Mutex<LogThrottle<ContinuousClock.Instant>>
    private let closeCounters: [String: Counter]
    private let open: Gauge
    private let acceptErrors: Counter
    private let acceptFailing = Atomic<Bool>(false)

    /// The gate of `listener` with `limits`, its total cap resolved to `maxConnections`.
    public init(
        listener: String,
        limits: ConnectionLimits,
        maxConnections: Int,
        trustedProxies: [CIDRRange],
        logger: Logger,
        factory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.listener = listener
        self.limits = limits
        self.maxConnections = maxConnections
        self.trustedProxies = trustedProxies
        self.logger = logger
        caps = Mutex(ConnectionCaps(perClient: limits.maxConnectionsPerClient, perProxy: limits.maxConnectionsPerProxy, total: maxConnections))
        throttle = Mutex(LogThrottle(now: .now))
        let reasons = ConnectionDeadlines<ContinuousClock.Instant>.Expiry.allCases.map(\.rawValue) + Refusal.allCases.map(\.rawValue)
        closeCounters = Dictionary(uniqueKeysWithValues: reasons.map { reason in
            (reason, Counter(label: "acuhook_connections_closed_total", dimensions: [("listener", listener), ("reason", reason)], factory: factory))
        })
        open = Gauge(label: "acuhook_connections_open", dimensions: [("listener", listener)], factory: factory)
        acceptErrors = Counter(label: "acuhook_accept_errors_total", dimensions: [("listener", listener)], factory: factory)
    }

    /// Connections open now.
    public var openConnections: Int { caps.withLock { $0.openCount } }

    /// Decides at accept for a connection from `peer`: whether it may open (a refusal is
    /// counted and logged here; the caller closes it), and the client to ``release(_:)`` at its
    /// close.
    func admit(_ peer: SocketAddress?) -> (admitted: Bool, client: IPAddress?) {
        let text = peer.flatMap(Receiver.addressText)
        let client = text.flatMap { IPAddress($0) }
        let isProxy = client.map { client in trustedProxies.contains { $0.contains(client) } } ?? false
        let (decision, count) = caps.withLock { caps in (caps.admit(client, isProxy: isProxy), caps.openCount) }
        switch decision {
        case .admit:
            open.record(count)
            return (true, client)
        case .overClientCap:
            refused(.clientLimit, client: text ?? "-", "connection refused: the client has max_connections_per_client open")
        case .overTotalCap:
            refused(.connectionLimit, client: text ?? "-", "connection refused: the listener has max_connections open")
        }
        return (false, client)
    }

    /// Counts the close of a connection ``admit(_:)`` admitted.
    func release(_ client: IPAddress?) {
        let count = caps.withLock { caps in
            caps.release(client)
            return caps.openCount
        }
        open.record(count)
    }

    /// Counts a connection closed for `reason` and logs it (throttled per client).
    func refused(_ reason: Refusal, client: String, _ message: Logger.Message, metadata: Logger.Metadata = [:]) {
        closed(reason.rawValue, client: client, message, level: .notice, metadata: metadata)
    }

    /// Counts a connection closed for `reason`; logs it at `level` (throttled per client), or
    /// not at all for nil.
    func closed(_ reason: String, client: String, _ message: Logger.Message, level: Logger.Level?, metadata: Logger.Metadata = [:]) {
        closeCounters[reason]?.increment()
        guard let level, let suppressed = throttle.withLock({ $0.admit(client, at: .now) }) else { return }
        var metadata = metadata
        metadata["acuhook.listener"] = "\(listener)"
        metadata["acuhook.client"] = "\(client)"
        metadata["acuhook.connection.reason"] = "\(reason)"
        if suppressed > 0 { metadata["acuhook.log.suppressed"] = "\(suppressed)" }
        logger.log(level: level, message, metadata: metadata)
    }

    /// An accept failed with `error`: counted; logged once until an accept succeeds again.
    func acceptFailed(_ error: IOError) {
        acceptErrors.increment()
        if !acceptFailing.exchange(true, ordering: .relaxed) {
            logger.error(
                "accept failed: out of descriptors or memory; accepting pauses 1 s at a time until it succeeds (logged once)",
                metadata: ["acuhook.listener": "\(listener)", "acuhook.error": "\(error)", "acuhook.connections.open": "\(openConnections)"]
            )
        }
    }

    /// An accept succeeded: a later failure is logged again.
    func acceptSucceeded() {
        if acceptFailing.load(ordering: .relaxed), acceptFailing.exchange(false, ordering: .relaxed) {
            logger.notice("accepting connections again", metadata: ["acuhook.listener": "\(listener)"])
        }
    }
}
