import AcuhookCore
import AcuhookStore
import Foundation

/// A backfill an operator asks for, from text (`acuhook replay` options, the admin API's body,
/// the console's form): which plugin gets its stored events again, which events and from when.
public struct ReplayRequest: Sendable, Equatable, Codable {
    /// The plugin that gets new jobs.
    public var plugin: String
    /// Only events of this type or pattern (`Customer.Updated`, `Customer.*`, `*.Deleted`); nil:
    /// every type the plugin receives now.
    public var event: String?
    /// Only deliveries received at this source.
    public var source: String?
    /// Received at or after: an ISO 8601 time or an age (`30m`, `2h`, `3d`). Required.
    public var since: String
    /// Received before: the same forms; nil: up to now.
    public var until: String?

    /// A request.
    public init(plugin: String, event: String? = nil, source: String? = nil, since: String, until: String? = nil) {
        self.plugin = plugin
        self.event = event
        self.source = source
        self.since = since
        self.until = until
    }

    /// The store's selection: the event types stored in the window that match `event` and that
    /// the plugin receives now (`receives`), its jobs ordered as its own (`ordered`: its
    /// `ordered` setting).
    /// - Throws: ``DeadLetterQueryError`` naming the field that cannot be read, or ``StoreError``.
    public func selection(
        store: any ReplayLog, receives: (String) -> Bool, ordered: Bool?, nowUnixMilliseconds now: Int64
    ) async throws -> ReplaySelection {
        let since = try DeadLetterQuery.time(self.since, field: "since", nowUnixMilliseconds: now)
        let until = try self.until.map { text throws(DeadLetterQueryError) in try DeadLetterQuery.time(text, field: "until", nowUnixMilliseconds: now) }
        if let until, until <= since { throw DeadLetterQueryError(field: "until", message: "must be after since") }
        let pattern: EventPattern?
        do {
            pattern = try event.map { try EventPattern(parsing: $0) }
        } catch {
            throw DeadLetterQueryError(field: "event", message: "must be an event type or pattern (Customer.Updated, Customer.*, *.Deleted, *): \(error)")
        }
        let stored = try await store.storedEventTypes(source: source, sinceUnixMilliseconds: since, untilUnixMilliseconds: until)
        let types = stored.keys.filter { (pattern?.matches($0) ?? true) && receives($0) }
        let ordering: ReplaySelection.Ordering = ordered.map { $0 ? .always : .never } ?? .pushNotifications
        return ReplaySelection(plugin: plugin, eventTypes: types, source: source, sinceUnixMilliseconds: since, untilUnixMilliseconds: until, ordering: ordering)
    }
}
