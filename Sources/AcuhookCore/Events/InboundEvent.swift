/// One normalised event from a delivery, ready to be stored and routed.
public struct InboundEvent: Sendable, Equatable {
    /// `Entity.Action`, e.g. `StockItem.Updated`.
    public var eventType: String
    /// The entity type, e.g. `StockItem`.
    public var entityType: String
    /// The entity's id (for push notifications: the trimmed key column values joined by `|`).
    public var entityId: String
    /// The tenant / company.
    public var tenant: String
    /// Orders events of one entity: the push notification's `TimeStamp` (exact digits) or the
    /// guide event's `timestamp`; empty when the sender gives none (receipt order applies).
    public var orderingKey: String
    /// The normalised event as a JSON object (what plugins receive).
    public var json: [UInt8]
    /// The plugins that receive it (from the router when it is stored); one job each.
    public var plugins: [String]
    /// Those of `plugins` whose jobs for this entity must run one at a time, in receipt order.
    public var orderedPlugins: Set<String> = []
    /// Debounce windows (ms) by plugin: a newer event of the same entity within the window
    /// supersedes this one's pending job for that plugin.
    public var debounceMilliseconds: [String: Int64] = [:]
    /// How many derivations led to it (0 for a received event).
    public var derivationDepth: Int

    /// Creates an event.
    public init(
        eventType: String,
        entityType: String,
        entityId: String,
        tenant: String,
        orderingKey: String,
        json: [UInt8],
        plugins: [String] = [],
        derivationDepth: Int = 0
    ) {
        self.eventType = eventType
        self.entityType = entityType
        self.entityId = entityId
        self.tenant = tenant
        self.orderingKey = orderingKey
        self.json = json
        self.plugins = plugins
        self.derivationDepth = derivationDepth
    }
}

extension InboundEvent {
    /// This event with `decision`'s plugins (one job each), ordering and debounce windows.
    public func routed(_ decision: RouteDecision) -> InboundEvent {
        var event = self
        event.plugins = decision.plugins
        event.orderedPlugins = decision.ordered
        event.debounceMilliseconds = decision.debounceMilliseconds
        return event
    }
}

/// One accepted HTTP delivery: what the store commits before the receiver answers.
public struct Delivery: Sendable, Equatable {
    /// The configured source it arrived at (`acumatica`).
    public var source: String
    /// Deduplicates resends: unique per source while kept.
    public var idempotencyKey: String
    /// Where the key came from (`X-Acumatica-Delivery`, `metadata.correlationId`, …), for operators.
    public var idempotencyKeyOrigin: String
    /// Which format it was read as.
    public var format: Format
    /// Receipt time, milliseconds since the Unix epoch.
    public var receivedAtUnixMilliseconds: Int64
    /// The exact bytes received.
    public var body: [UInt8]
    /// The headers worth keeping (event, delivery, signature ids, content type, user agent…).
    public var headers: [HeaderField]
    /// The client's address as resolved (after trusted proxies).
    public var clientAddress: String
    /// The events it normalised to (at least one).
    public var events: [InboundEvent]

    /// What a delivery's body is. Stored by its raw value.
    public enum Format: String, Sendable, Equatable, CaseIterable {
        /// The JSON event format of Acumatica's webhook guide (`eventType`, `entityId`, `data`, …).
        case guide
        /// A real Acumatica push notification (`Inserted`/`Deleted` rows, `Query`, `Id`, `TimeStamp`).
        case pushNotification = "push-notification"
        /// A Standard Webhooks body.
        case standardWebhooks = "standard-webhooks"
        /// The synthetic event of the test endpoint (`POST /webhooks/test`).
        case test
        /// Events plugins emitted while handling others (not received over HTTP).
        case derived
    }

    /// A header name and value.
    public struct HeaderField: Sendable, Equatable, Codable {
        /// Lower-case name.
        public var name: String
        /// Value.
        public var value: String

        /// Creates a header field.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Creates a delivery.
    public init(
        source: String,
        idempotencyKey: String,
        idempotencyKeyOrigin: String,
        format: Format,
        receivedAtUnixMilliseconds: Int64,
        body: [UInt8],
        headers: [HeaderField],
        clientAddress: String,
        events: [InboundEvent]
    ) {
        self.source = source
        self.idempotencyKey = idempotencyKey
        self.idempotencyKeyOrigin = idempotencyKeyOrigin
        self.format = format
        self.receivedAtUnixMilliseconds = receivedAtUnixMilliseconds
        self.body = body
        self.headers = headers
        self.clientAddress = clientAddress
        self.events = events
    }
}
