/// Stored events sent to a plugin again — a backfill after a fix (`acuhook replay`, the admin
/// API, the console): new jobs for events already handled, within retention.
public protocol ReplayLog: Sendable {
    /// The event types stored in a window (receipt time `since ..< until`, `until` nil: up to
    /// now), from `source` (nil: all), with how many events of each.
    func storedEventTypes(source: String?, sinceUnixMilliseconds: Int64, untilUnixMilliseconds: Int64?) async throws(StoreError) -> [String: Int]

    /// How many events `selection` matches and the first `limit` of them, oldest first. Changes nothing.
    func previewReplay(_ selection: ReplaySelection, limit: Int) async throws(StoreError) -> ReplayPreview

    /// Creates one pending job for `selection.plugin` for each matching event, due now, with a
    /// fresh attempt count and marked with the replay's id. The events are those stored when the
    /// replay first starts; they are taken `batchSize` at a time, oldest first, each batch and the
    /// replay's cursor in one transaction, with `progress(done, total)` after each: false stops
    /// there, as an interruption would. An unfinished replay of the same selection is resumed
    /// where it stopped, so an interrupted backfill is finished by running it again, and never
    /// creates a job twice.
    func replay(
        _ selection: ReplaySelection, nowUnixMilliseconds: Int64, batchSize: Int, progress: (_ done: Int, _ total: Int) -> Bool
    ) async throws(StoreError) -> ReplayResult
}

/// Which stored events a replay sends to which plugin.
public struct ReplaySelection: Sendable, Equatable, Codable {
    /// The plugin that gets the new jobs.
    public var plugin: String
    /// Event types to replay (those of the window the plugin receives), sorted.
    public var eventTypes: [String]
    /// Only deliveries received at this source; nil: all.
    public var source: String?
    /// Received at or after, ms since the Unix epoch.
    public var sinceUnixMilliseconds: Int64
    /// Received before, ms since the Unix epoch; nil: no end.
    public var untilUnixMilliseconds: Int64?
    /// Whether the new jobs run one at a time per entity, as the plugin's own jobs do.
    public var ordering: Ordering

    /// How the plugin's jobs are ordered (its `ordered` setting).
    public enum Ordering: String, Sendable, Equatable, Codable {
        /// One at a time per entity, in `TimeStamp` order.
        case always
        /// Push-notification events only (the default).
        case pushNotifications = "push-notifications"
        /// No ordering.
        case never
    }

    /// A selection.
    public init(plugin: String, eventTypes: [String], source: String? = nil, sinceUnixMilliseconds: Int64, untilUnixMilliseconds: Int64? = nil, ordering: Ordering) {
        self.plugin = plugin
        self.eventTypes = eventTypes.sorted()
        self.source = source
        self.sinceUnixMilliseconds = sinceUnixMilliseconds
        self.untilUnixMilliseconds = untilUnixMilliseconds
        self.ordering = ordering
    }

    /// The text a replay is recognised by when resumed: every field, in a fixed order.
    public var key: String {
        [plugin, eventTypes.joined(separator: ","), source ?? "", String(sinceUnixMilliseconds), untilUnixMilliseconds.map(String.init) ?? "", ordering.rawValue]
            .joined(separator: "\u{1F}")
    }
}

/// What a replay would do, before it does it.
public struct ReplayPreview: Sendable, Equatable {
    /// One matching event.
    public struct Event: Sendable, Equatable, Codable {
        /// The event's row.
        public var id: Int64
        /// Its delivery's row.
        public var deliveryID: Int64
        /// `Entity.Action`.
        public var eventType: String
        /// The entity id.
        public var entityId: String
        /// Receipt time, ms since the Unix epoch.
        public var receivedAtUnixMilliseconds: Int64

        enum CodingKeys: String, CodingKey {
            case id
            case deliveryID = "delivery_id", eventType = "event_type", entityId = "entity_id", receivedAtUnixMilliseconds = "received_at"
        }

        /// An event.
        public init(id: Int64, deliveryID: Int64, eventType: String, entityId: String, receivedAtUnixMilliseconds: Int64) {
            self.id = id
            self.deliveryID = deliveryID
            self.eventType = eventType
            self.entityId = entityId
            self.receivedAtUnixMilliseconds = receivedAtUnixMilliseconds
        }
    }

    /// Events matched.
    public var count: Int
    /// The first of them, oldest first.
    public var first: [Event]

    /// A preview.
    public init(count: Int, first: [Event]) {
        self.count = count
        self.first = first
    }
}

/// What a replay did.
public struct ReplayResult: Sendable, Equatable {
    /// The replay's id (the jobs' mark).
    public var id: Int64
    /// Events it covers in all.
    public var total: Int
    /// Jobs created by this run.
    public var created: Int
    /// Jobs created before, by the run that was interrupted (0 for a new replay).
    public var resumedAfter: Int

    /// A result.
    public init(id: Int64, total: Int, created: Int, resumedAfter: Int) {
        self.id = id
        self.total = total
        self.created = created
        self.resumedAfter = resumedAfter
    }
}
