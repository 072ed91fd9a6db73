/// The stored deliveries, for people: listed newest first, one shown whole with what became of
/// it, and its jobs sent to their plugins again. The console reads the store through it.
public protocol DeliveryLog: Sendable {
    /// Deliveries matching `filter`, newest first, with ids below `before` (keyset pagination:
    /// pass the last id of a page to get the next); at most `limit`.
    func deliveries(_ filter: DeliveryFilter, before: Int64?, limit: Int) async throws(StoreError) -> [DeliverySummary]
    /// One delivery with its body, kept headers, events, jobs and every attempt; nil if unknown.
    func delivery(_ id: Int64) async throws(StoreError) -> DeliveryRecord?
    /// Puts jobs back in the queue, due now with a fresh attempt budget (their history is
    /// kept): any state but running and superseded. Returns how many.
    func requeue(jobIDs: [Int64], nowUnixMilliseconds: Int64) async throws(StoreError) -> Int
    /// Requeues every job of a delivery's events (re-sends it to its plugins). Returns how many.
    func requeue(deliveryID: Int64, nowUnixMilliseconds: Int64) async throws(StoreError) -> Int
}

/// Which deliveries a listing shows. Empty fields match everything.
public struct DeliveryFilter: Sendable, Equatable {
    /// Only this source.
    public var source: String?
    /// Only deliveries with an event of this type.
    public var eventType: String?
    /// Received at or after, ms since the Unix epoch.
    public var sinceUnixMilliseconds: Int64?
    /// Received before, ms since the Unix epoch.
    public var untilUnixMilliseconds: Int64?

    /// A filter.
    public init(source: String? = nil, eventType: String? = nil, sinceUnixMilliseconds: Int64? = nil, untilUnixMilliseconds: Int64? = nil) {
        self.source = source
        self.eventType = eventType
        self.sinceUnixMilliseconds = sinceUnixMilliseconds
        self.untilUnixMilliseconds = untilUnixMilliseconds
    }
}

/// One delivery in a listing.
public struct DeliverySummary: Sendable, Equatable {
    /// Its row id.
    public var id: Int64
    /// The source it arrived at.
    public var source: String
    /// Its idempotency key (the delivery id Acumatica sent, or one derived from the body).
    public var idempotencyKey: String
    /// How it was read (`guide`, `push-notification`, …).
    public var format: String
    /// Receipt time, ms since the Unix epoch.
    public var receivedAtUnixMilliseconds: Int64
    /// The client's address.
    public var clientAddress: String
    /// Its events' types, in order.
    public var eventTypes: [String]

    /// A summary.
    public init(id: Int64, source: String, idempotencyKey: String, format: String, receivedAtUnixMilliseconds: Int64, clientAddress: String, eventTypes: [String]) {
        self.id = id
        self.source = source
        self.idempotencyKey = idempotencyKey
        self.format = format
        self.receivedAtUnixMilliseconds = receivedAtUnixMilliseconds
        self.clientAddress = clientAddress
        self.eventTypes = eventTypes
    }
}

/// One delivery whole: what arrived and what became of it.
public struct DeliveryRecord: Sendable, Equatable {
    /// One job of one event.
    public struct Job: Sendable, Equatable {
        /// Its id.
        public var id: Int64
        /// The plugin it is for.
        public var plugin: String
        /// Where it is.
        public var state: JobState
        /// Attempts counted against its budget.
        public var attempts: Int
        /// When it is (or was) due, ms since the Unix epoch.
        public var dueAtUnixMilliseconds: Int64
        /// Why it is dead-lettered, if it is.
        public var deadReason: DeadLetterReason?
        /// Every recorded attempt, oldest first.
        public var history: [AttemptRecord]
        /// The replay (backfill) that created it; nil for a job made when its event was stored.
        public var replay: Int64? = nil

        /// A job.
        public init(id: Int64, plugin: String, state: JobState, attempts: Int, dueAtUnixMilliseconds: Int64, deadReason: DeadLetterReason?, history: [AttemptRecord]) {
            self.id = id
            self.plugin = plugin
            self.state = state
            self.attempts = attempts
            self.dueAtUnixMilliseconds = dueAtUnixMilliseconds
            self.deadReason = deadReason
            self.history = history
        }
    }

    /// One event of the delivery.
    public struct Event: Sendable, Equatable {
        /// The stored event (its document exactly as stored).
        public var stored: StoredEvent
        /// Its jobs, one per plugin.
        public var jobs: [Job]

        /// An event.
        public init(stored: StoredEvent, jobs: [Job]) {
            self.stored = stored
            self.jobs = jobs
        }
    }

    /// The summary.
    public var summary: DeliverySummary
    /// The headers kept (never credentials or signatures), as received.
    public var headers: [(name: String, value: String)]
    /// The body exactly as received.
    public var body: [UInt8]
    /// Its events.
    public var events: [Event]

    /// A record.
    public init(summary: DeliverySummary, headers: [(name: String, value: String)], body: [UInt8], events: [Event]) {
        self.summary = summary
        self.headers = headers
        self.body = body
        self.events = events
    }

    /// Equal summaries, headers, bodies and events.
    public static func == (lhs: DeliveryRecord, rhs: DeliveryRecord) -> Bool {
        lhs.summary == rhs.summary && lhs.headers.elementsEqual(rhs.headers) { $0 == $1 } && lhs.body == rhs.body && lhs.events == rhs.events
    }
}
