import AcuhookCore
import AcuhookStore
import Foundation

/// Which dead letters an operator means, from text (CLI options or admin API query/body fields).
public struct DeadLetterQuery: Sendable, Equatable, Codable {
    /// Only this plugin.
    public var plugin: String?
    /// Only this event type.
    public var eventType: String?
    /// An ISO 8601 time (`2026-11-29T10:00:00Z`) or an age (`30m`, `2h`, `3d`).
    public var since: String?
    /// `rejected` or `exhausted`.
    public var reason: String?
    /// Only these job ids.
    public var ids: [Int64]?
    /// Every dead letter (required for a bulk change without any other field).
    public var all: Bool?

    enum CodingKeys: String, CodingKey {
        case plugin, since, reason, ids, all
        case eventType = "event_type"
    }

    /// Creates a query.
    public init(plugin: String? = nil, eventType: String? = nil, since: String? = nil, reason: String? = nil, ids: [Int64]? = nil, all: Bool? = nil) {
        self.plugin = plugin
        self.eventType = eventType
        self.since = since
        self.reason = reason
        self.ids = ids
        self.all = all
    }

    /// Whether it names nothing: a bulk replay or purge must not mean "everything" by accident.
    public var namesNothing: Bool {
        plugin == nil && eventType == nil && since == nil && reason == nil && (ids ?? []).isEmpty && all != true
    }

    /// The store's filter, with `since` read relative to `nowUnixMilliseconds`.
    /// - Throws: ``DeadLetterQueryError`` naming the field that cannot be read.
    public func filter(nowUnixMilliseconds: Int64) throws(DeadLetterQueryError) -> DeadLetterFilter {
        var filter = DeadLetterFilter(plugin: plugin, eventType: eventType, jobIDs: (ids ?? []).isEmpty ? nil : ids)
        if let reason {
            guard let parsed = DeadLetterReason(rawValue: reason) else {
                throw DeadLetterQueryError(field: "reason", message: "must be rejected or exhausted, not '\(reason)'")
            }
            filter.reason = parsed
        }
        if let since { filter.sinceUnixMilliseconds = try Self.time(since, field: "since", nowUnixMilliseconds: nowUnixMilliseconds) }
        return filter
    }

    /// A point in time from text: an ISO 8601 time (`2026-11-29T10:00:00Z`) or an age before
    /// now (`30m`, `2h`, `3d`), in ms since the Unix epoch.
    /// - Throws: ``DeadLetterQueryError`` naming `field` when it is neither.
    public static func time(_ text: String, field: String, nowUnixMilliseconds: Int64) throws(DeadLetterQueryError) -> Int64 {
        if let age = DurationText.parse(text) { return nowUnixMilliseconds - age.wholeMilliseconds }
        if let date = ISO8601DateFormatter().date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        throw DeadLetterQueryError(field: field, message: "must be an ISO 8601 time or an age such as 2h, not '\(text)'")
    }
}

/// A dead-letter query field that cannot be read.
public struct DeadLetterQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field (`since`, `reason`).
    public var field: String
    /// What is wrong with it.
    public var message: String

    /// "field: message".
    public var description: String { "\(field) \(message)" }
}
