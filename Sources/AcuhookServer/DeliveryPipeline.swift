import AcuhookCore
import AcuhookInbound
import AcuhookStore
import CoreMetrics
import Foundation
import Logging
import AcuhookJSON

/// The receive path of every source, independent of the HTTP library: limits, source checks,
/// authentication, normalisation and the durable commit, in that order. Every refusal is one
/// log line (source, client address, delivery id) and a JSON error; nothing is stored for it.
public final class DeliveryPipeline: Sendable {
    /// A request that passed the checks made before its body is read.
    public struct Admitted: Sendable {
        let source: SourceRuntime
        /// The resolved client address (after trusted proxies).
        public let client: String
        /// Most bytes to read from the body.
        public let maxBodySize: Int
        /// Whether this is the test endpoint (`POST /webhooks/test`).
        public let isTest: Bool
    }

    /// What ``preflight(source:contentType:contentLength:headers:peer:)`` decided.
    public enum Preflight: Sendable {
        /// Read the body (up to `maxBodySize`) and call ``deliver(_:body:headers:completion:)``.
        case proceed(Admitted)
        /// Answer this now.
        case reject(ReceiverOutcome)
    }

    /// Headers kept with each delivery. Credentials and signatures are never stored.
    static let keptHeaders = ["content-type", "user-agent", "x-acumatica-event", "x-acumatica-delivery", "webhook-id", "webhook-timestamp"]

    private let sources: [String: SourceRuntime]
    private let resolver: ClientAddressResolver
    private let store: any Inbox
    private let wallClock: any WallClock
    private let retention: Duration
    private let server: ServerSettings
    private let logger: Logger
    private let route: @Sendable (InboundEvent, Delivery.Format) -> RouteDecision
    private let onStored: @Sendable () -> Void
    private let meters: [String: SourceMeter]
    /// Where answered deliveries are published for the console and `acuhook tail`, if anywhere.
    public let feed: ActivityFeed?
    private let unknownMeter: SourceMeter
    private let recentAnswers = RecentAnswers(capacity: 1000)
    /// When the pipeline was built: the process's start, for `uptimeSeconds`.
    public let startedAt = ContinuousClock.now

    /// Builds every source's checks.
    /// - Throws: When a source's authentication cannot be built (a bad secret).
    /// - Parameters:
    ///   - route: The plugins that receive an event (one job each is stored with the event), and
    ///     those of them whose jobs run in order per entity.
    ///   - onStored: Called after a new delivery with at least one job is committed (wakes the
    ///     dispatcher).
    ///   - metricsFactory: Makes each source's ``SourceMeter`` metrics.
    ///   - feed: Where each answer is published (while anyone follows it).
    public init(
        server: ServerSettings,
        sources: [SourceSettings],
        store: any Inbox,
        retention: Duration,
        wallClock: any WallClock = SystemWallClock(),
        logger: Logger,
        route: @escaping @Sendable (InboundEvent, Delivery.Format) -> RouteDecision = { _, _ in RouteDecision() },
        onStored: @escaping @Sendable () -> Void = {},
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        feed: ActivityFeed? = nil
    ) throws {
        self.feed = feed
        var runtimes: [String: SourceRuntime] = [:]
        var meters: [String: SourceMeter] = [:]
        for source in sources {
            meters[source.name] = SourceMeter(source: source.name, factory: metricsFactory)
            runtimes[source.name] = try SourceRuntime(settings: source, defaultMaxBodySize: server.maxBodySize)
            if case .none = source.authentication {
                logger.warning("source accepts deliveries without authentication (scheme: none)", metadata: ["acuhook.source": "\(source.name)"])
            }
        }
        self.sources = runtimes
        self.meters = meters
        self.unknownMeter = SourceMeter(source: "_unknown", factory: metricsFactory)
        self.resolver = ClientAddressResolver(trustedProxies: server.trustedProxies)
        self.store = store
        self.wallClock = wallClock
        self.retention = retention
        self.server = server
        self.logger = logger
        self.route = route
        self.onStored = onStored
    }

    /// The configured source names.
    public var sourceNames: [String] { sources.keys.sorted() }

    /// Each configured source's meter, by name.
    public var sourceMeters: [String: SourceMeter] { meters }

    /// Records the answer to a delivery to the path segment `name` (the test endpoint counts
    /// for its source; every unknown name for `_unknown`), whose head was read at `started`,
    /// and publishes it to the ``feed`` (with `deliveryID`, the sender's id for it).
    public func record(_ outcome: ReceiverOutcome, source name: String, deliveryID: String? = nil, since started: ContinuousClock.Instant) {
        let meter = meters[name] ?? (name == "test" && server.testEndpointEnabled ? meters[server.testEndpointSource] : nil) ?? unknownMeter
        let now = wallClock.nowUnixMilliseconds
        meter.record(outcome, since: started, nowUnixMilliseconds: now)
        let remembered = outcome.duplicate || outcome.status / 100 != 2
        guard remembered || feed?.isFollowed == true else { return }
        let activity = ActivityEvent.Answer(
            atUnixMilliseconds: now, source: meter === unknownMeter ? name : meter.source, deliveryID: deliveryID, status: outcome.status,
            code: outcome.code, duplicate: outcome.duplicate, events: outcome.storedEvents, deliveryRow: outcome.deliveryRow
        )
        // Refusals and duplicates are not stored: the console lists the latest from memory.
        if remembered { recentAnswers.append(activity) }
        feed?.publish(.delivery(activity))
    }

    /// The latest refusals and duplicates (not stored), newest first.
    public var recentRefusalsAndDuplicates: [ActivityEvent.Answer] { recentAnswers.all }

    /// The sender's id for a delivery (`X-Acumatica-Delivery`, else `webhook-id`).


    /// Totals over every source (unknown names included), for `/health`.
    public var activity: ReceiverActivity {
        var activity = ReceiverActivity(uptime: startedAt.duration(to: .now))
        for meter in Array(meters.values) + [unknownMeter] {
            activity.deliveriesProcessed += meter.deliveriesProcessed
            activity.errors += meter.errors
            if let last = meter.lastDeliveryUnixMilliseconds { activity.lastDeliveryUnixMilliseconds = max(activity.lastDeliveryUnixMilliseconds ?? 0, last) }
        }
        return activity
    }

    /// Checks made before reading the body: source exists (404), declared size (413), content
    /// type (415), client address allowed (403), rate limits (429). `source` is the path segment;
    /// `test` selects the test endpoint when enabled.
    public func preflight(source name: String, contentType: String?, contentLength: Int?, headers: DeliveryHeaders, peer: String?) -> Preflight {
        let isTest = name == "test" && server.testEndpointEnabled
        let sourceName = isTest ? server.testEndpointSource : name
        let deliveryID = Self.deliveryID(headers)
        guard name != "test" || isTest, let source = sources[sourceName] else {
            return .reject(unknownSource(name, headers: headers, peer: peer))
        }
        // Without trusted proxies or an allow-list nothing needs the parsed address: the client is
        // the peer, as the socket reported it.
        let needsAddress = !resolver.trustedProxies.isEmpty || !source.allowList.ranges.isEmpty
        let client = needsAddress ? resolver.resolve(peer: peer, headers: headers) : nil
        let clientText = client?.description ?? peer ?? "-"
        if let contentLength, contentLength > source.maxBodySize {
            return .reject(refuse(Self.tooLarge(source.maxBodySize), source: name, client: clientText, deliveryID: deliveryID))
        }
        guard Self.isJSON(contentType) else {
            let outcome = ReceiverOutcome.error(415, code: "unsupported_media_type", "Content-Type must be application/json, got '\(contentType ?? "none")'")
            return .reject(refuse(outcome, source: name, client: clientText, deliveryID: deliveryID))
        }
        guard source.allowList.allows(client) else {
            return .reject(refuse(.error(403, code: "address_not_allowed", "address \(clientText) may not deliver to this source"), source: name, client: clientText, deliveryID: deliveryID))
        }
        if let limiter = source.rateLimiter, case .limited(let seconds, let scope) = limiter.check(client: clientText) {
            let outcome = ReceiverOutcome.error(429, code: "rate_limited", "too many deliveries (\(scope) limit); retry in \(seconds) s", headers: ["Retry-After": "\(seconds)"])
            return .reject(refuse(outcome, source: name, client: clientText, deliveryID: deliveryID))
        }
        return .proceed(Admitted(source: source, client: clientText, maxBodySize: source.maxBodySize, isTest: isTest))
    }

    /// The answer (404, logged with the delivery id) for a path naming no configured source.
    public func unknownSource(_ name: String, headers: DeliveryHeaders, peer: String?) -> ReceiverOutcome {
        refuse(.error(404, code: "unknown_source", "no webhook source named '\(name)'"), source: name, client: peer ?? "-", deliveryID: Self.deliveryID(headers))
    }

    /// The answer for a body over the limit (the HTTP layer found it while reading).
    public func bodyTooLarge(_ admitted: Admitted, headers: DeliveryHeaders) -> ReceiverOutcome {
        refuse(Self.tooLarge(admitted.maxBodySize), source: admitted.source.settings.name, client: admitted.client, deliveryID: Self.deliveryID(headers))
    }

    /// Authenticates, normalises and commits one delivery. `completion` gets the answer: at once
    /// for a refusal, else on the store's thread once the commit is durable or has failed.
    /// Never blocks (the event loop calls it).
    public func deliver(_ admitted: Admitted, body: [UInt8], headers: DeliveryHeaders, completion: @escaping @Sendable (ReceiverOutcome) -> Void) {
        switch prepare(admitted, body: body, headers: headers) {
        case .answer(let outcome):
            completion(outcome)
        case .commit(let delivery):
            store.accept(delivery, keepKeyFor: retention) { result in completion(self.committed(delivery, result)) }
        }
    }

    /// What ``prepare(_:body:headers:)`` made of a delivery.
    enum Prepared {
        /// Refused (authentication, normalisation): answer this; nothing is stored.
        case answer(ReceiverOutcome)
        /// Authenticated, normalised and routed: commit it.
        case commit(Delivery)
    }

    /// Authenticates and normalises a delivery, and routes its events.
    func prepare(_ admitted: Admitted, body: [UInt8], headers: DeliveryHeaders) -> Prepared {
        let isTest = admitted.isTest
        let source = admitted.source
        let name = source.settings.name
        let now = wallClock.nowUnixMilliseconds
        do {
            _ = try source.authenticator.authenticate(body: body, headers: headers, nowUnixSeconds: now / 1000)
        } catch {
            return .answer(refuse(.error(401, code: error.code.rawValue, error.message), source: name, client: admitted.client, deliveryID: Self.deliveryID(headers)))
        }
        let normalized: NormalizedDelivery
        do {
            normalized = isTest ? try Self.testDelivery(body: body, headers: headers, nowUnixMilliseconds: now) : try source.normalizer.normalize(body: body, headers: headers)
        } catch {
            return .answer(refuse(.error(error.httpStatus, code: error.code.rawValue, error.message), source: name, client: admitted.client, deliveryID: Self.deliveryID(headers)))
        }
        return .commit(
            Delivery(
                source: name,
                idempotencyKey: normalized.idempotencyKey,
                idempotencyKeyOrigin: normalized.idempotencyKeyOrigin,
                format: isTest ? .test : normalized.format,
                receivedAtUnixMilliseconds: now,
                body: body,
                headers: Self.keptHeaders.compactMap { name in headers[name].map { Delivery.HeaderField(name: name, value: $0) } },
                clientAddress: admitted.client,
                events: normalized.events.map { $0.routed(route($0, normalized.format)) }
            )
        )
    }

    /// The answer once the store has committed (or failed to commit) `delivery`.
    private func committed(_ delivery: Delivery, _ result: Result<AcceptResult, StoreError>) -> ReceiverOutcome {
        let name = delivery.source
        switch result {
        case .success(.accepted(let id, let events)):
            // Wake the dispatcher only when there is work for it.
            if delivery.events.contains(where: { !$0.plugins.isEmpty }) { onStored() }
            logger.debug(
                "delivery accepted",
                metadata: [
                    "acuhook.source": "\(name)", "acuhook.delivery.id": "\(delivery.idempotencyKey)",
                    "acuhook.delivery.row": "\(id)", "acuhook.events": "\(events.count)",
                ]
            )
            var outcome = ReceiverOutcome.accepted(events: events.count)
            outcome.deliveryRow = id
            return outcome
        case .success(.duplicate(let id)):
            logger.info(
                "duplicate delivery acknowledged; nothing stored",
                metadata: ["acuhook.source": "\(name)", "acuhook.delivery.id": "\(delivery.idempotencyKey)", "acuhook.delivery.row": "\(id)"]
            )
            var outcome = ReceiverOutcome.duplicate
            outcome.deliveryRow = id
            return outcome
        case .failure(let error):
            let outcome = ReceiverOutcome.error(503, code: "store_unavailable", "the delivery could not be stored; retry later", headers: ["Retry-After": "5"])
            return refuse(outcome, source: name, client: delivery.clientAddress, deliveryID: delivery.idempotencyKey, reason: "\(error)")
        }
    }

    private func refuse(_ outcome: ReceiverOutcome, source: String, client: String, deliveryID: String?, reason: String? = nil) -> ReceiverOutcome {
        var metadata: Logger.Metadata = [
            "acuhook.source": "\(source)",
            "acuhook.client": "\(client)",
            "acuhook.delivery.id": "\(deliveryID ?? "-")",
            "acuhook.http.status": "\(outcome.status)",
            "acuhook.error.code": "\(outcome.code ?? "-")",
        ]
        if let reason { metadata["acuhook.error"] = "\(reason)" }
        logger.log(level: outcome.status >= 500 ? .error : .warning, "delivery refused", metadata: metadata)
        return outcome
    }

    static func deliveryID(_ headers: DeliveryHeaders) -> String? {
        headers["X-Acumatica-Delivery"] ?? headers["webhook-id"]
    }

    private static func tooLarge(_ limit: Int) -> ReceiverOutcome {
        .error(413, code: "body_too_large", "body is larger than the limit of \(limit) bytes")
    }

    /// `application/json`, with or without parameters (`; charset=utf-8`), any case.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        if contentType == "application/json" { return true }  // the usual case, without the walk below
        var media = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }[...]
        while media.first == UInt8(ascii: " ") || media.first == UInt8(ascii: "\t") { media = media.dropFirst() }
        while media.last == UInt8(ascii: " ") || media.last == UInt8(ascii: "\t") { media = media.dropLast() }
        let expected = "application/json".utf8
        guard media.count == expected.count else { return false }
        // ASCII case-insensitive comparison.
        return zip(media, expected).allSatisfy { $0 | 0x20 == $1 | 0x20 }
    }

    /// The test endpoint's synthetic event.
    private static func testDelivery(body: [UInt8], headers: DeliveryHeaders, nowUnixMilliseconds now: Int64) throws(NormalizationError) -> NormalizedDelivery {
        var data = JSONValue.object([:])
        if !body.isEmpty {
            guard let parsed = JSONValue.parse(body) else { throw NormalizationError(.malformedJSON, "body is not valid JSON") }
            if case .object = parsed { data = parsed }
        }
        let id = headers["X-Acumatica-Delivery"] ?? "test-\(UUID().uuidString.lowercased())"
        let timestamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(now) / 1000))
        let document = JSONValue.object([
            "eventType": .string("Test.Event"), "entityType": .string("Test"), "entityId": .string(id),
            "timestamp": .string(timestamp), "data": data, "metadata": .object(["source": .string("test-endpoint"), "correlationId": .string(id)]),
        ])
        let event = InboundEvent(eventType: "Test.Event", entityType: "Test", entityId: id, tenant: "", orderingKey: timestamp, json: document.encoded())
        return NormalizedDelivery(format: .guide, events: [event], idempotencyKey: id, idempotencyKeyOrigin: "test endpoint")
    }
}
