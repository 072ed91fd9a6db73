import AcuhookCore
import AcuhookServer
import AcuhookStore

/// Everything `acuhook status` prints, in one answer (`GET /admin/status`).
public struct StatusReport: Sendable, Equatable, Codable {
    /// One source.
    public struct Source: Sendable, Equatable, Codable {
        /// Its name.
        public var name: String
        /// When it last had a delivery answered 2xx, ms since the Unix epoch (nil: not since start).
        public var lastDeliveryAt: Int64?
        /// Deliveries answered 2xx since start.
        public var deliveriesProcessed: Int
        /// Deliveries refused since start.
        public var errors: Int

        enum CodingKeys: String, CodingKey {
            case name, errors
            case lastDeliveryAt = "last_delivery_at", deliveriesProcessed = "deliveries_processed"
        }
    }

    /// Dead letters of one plugin for one reason.
    public struct DeadLetters: Sendable, Equatable, Codable {
        /// The plugin.
        public var plugin: String
        /// `rejected` or `exhausted`.
        public var reason: String
        /// How many.
        public var count: Int
    }

    /// A refused delivery.
    public struct Refusal: Sendable, Equatable, Codable {
        /// When, ms since the Unix epoch.
        public var at: Int64
        /// The source named in its path.
        public var source: String
        /// The status answered.
        public var status: Int
        /// The error code.
        public var code: String?
        /// The sender's delivery id, if any.
        public var deliveryID: String?

        enum CodingKeys: String, CodingKey {
            case at, source, status, code
            case deliveryID = "delivery_id"
        }
    }

    /// One listener: its connections and, when it serves HTTPS, its certificate.
    public struct Listener: Sendable, Equatable, Codable {
        /// `receiver` or `admin`.
        public var name: String
        /// Connections open now.
        public var openConnections: Int
        /// Its `max_connections`, resolved.
        public var maxConnections: Int
        /// The served certificate's serial number (hex); nil for plain HTTP.
        public var certificateSerial: String?
        /// When it expires, seconds since the Unix epoch.
        public var certificateNotAfter: Int64?
        /// Why the last attempt to load a new certificate failed (the previous one is still
        /// served); nil when it succeeded.
        public var certificateError: String?

        enum CodingKeys: String, CodingKey {
            case name
            case openConnections = "open_connections", maxConnections = "max_connections"
            case certificateSerial = "certificate_serial", certificateNotAfter = "certificate_not_after", certificateError = "certificate_error"
        }

        /// The state of a listener's protection now.
        public init(_ protection: ListenerProtection) {
            name = protection.gate.listener
            openConnections = protection.gate.openConnections
            maxConnections = protection.gate.maxConnections
            let tls = protection.tls?.status
            certificateSerial = tls?.serial
            certificateNotAfter = tls?.notAfter
            certificateError = tls?.lastError
        }
    }

    /// Seconds since the receiver started.
    public var uptimeSeconds: Int64
    /// Configured sources.
    public var sources: [Source]
    /// Plugins, as `GET /admin/plugins` reports them.
    public var plugins: [PluginStatus]
    /// Jobs per state.
    public var jobs: [String: Int]
    /// Dead letters by plugin and reason.
    public var deadLetters: [DeadLetters]
    /// The last refused deliveries (at most 10), newest first.
    public var recentErrors: [Refusal]
    /// The listeners.
    public var listeners: [Listener]

    enum CodingKeys: String, CodingKey {
        case sources, plugins, jobs, listeners
        case uptimeSeconds = "uptime_seconds", deadLetters = "dead_letters", recentErrors = "recent_errors"
    }

    /// The report of a running receiver, with its `listeners`.
    public static func make(
        pipeline: DeliveryPipeline,
        store: any EventStore,
        operations: any AdminOperations,
        listeners: [ListenerProtection] = []
    ) async throws(StoreError) -> StatusReport {
        let summary = try await store.queueSummary()
        let meters = pipeline.sourceMeters
        return StatusReport(
            uptimeSeconds: pipeline.activity.uptime.components.seconds,
            sources: pipeline.sourceNames.compactMap { name in
                meters[name].map { Source(name: name, lastDeliveryAt: $0.lastDeliveryUnixMilliseconds, deliveriesProcessed: $0.deliveriesProcessed, errors: $0.errors) }
            },
            plugins: await operations.plugins(),
            jobs: Dictionary(uniqueKeysWithValues: summary.jobs.map { ($0.key.rawValue, $0.value) }),
            deadLetters: summary.deadLetters.map { DeadLetters(plugin: $0.plugin, reason: $0.reason.rawValue, count: $0.count) },
            recentErrors: pipeline.recentRefusalsAndDuplicates.filter { !$0.duplicate }.prefix(10).map {
                Refusal(at: $0.atUnixMilliseconds, source: $0.source, status: $0.status, code: $0.code, deliveryID: $0.deliveryID)
            },
            listeners: listeners.map(Listener.init)
        )
    }
}
