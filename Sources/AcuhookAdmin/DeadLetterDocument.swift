import AcuhookCore
import AcuhookStore
import Foundation
import AcuhookJSON

/// A dead letter as the admin API returns it: the job, its event (JSON kept exact) and every attempt.
public struct DeadLetterDocument: Sendable, Equatable, Codable {
    /// The job's id.
    public var job: Int64
    /// The plugin.
    public var plugin: String
    /// `rejected` (bad data) or `exhausted` (system failure).
    public var reason: String
    /// When it was dead-lettered (ISO 8601, UTC).
    public var deadAt: String
    /// The event.
    public var event: Event
    /// Every attempt, oldest first.
    public var attempts: [Attempt]

    /// The stored event.
    public struct Event: Sendable, Equatable, Codable {
        /// Event id.
        public var id: Int64
        /// `Entity.Action`.
        public var eventType: String
        /// Entity type.
        public var entityType: String
        /// Entity id.
        public var entityId: String
        /// Tenant (company).
        public var tenant: String
        /// Source it arrived at.
        public var source: String
        /// The delivery's id in the store.
        public var delivery: Int64
        /// The delivery's idempotency key.
        public var deliveryKey: String
        /// When it was received (ISO 8601, UTC).
        public var receivedAt: String
        /// The normalised event document.
        public var json: JSONValue

        enum CodingKeys: String, CodingKey {
            case id, tenant, source, delivery, json
            case eventType = "event_type", entityType = "entity_type", entityId = "entity_id"
            case deliveryKey = "delivery_key", receivedAt = "received_at"
        }
    }

    /// One attempt.
    public struct Attempt: Sendable, Equatable, Codable {
        /// Attempt number, from 1.
        public var number: Int
        /// When it started (ISO 8601, UTC).
        public var startedAt: String
        /// How long it took, milliseconds.
        public var durationMs: Int64
        /// `ok`, `retry`, `rejected`, `timeout`, `crashed`…
        public var outcome: String
        /// The plugin's message or the host's explanation.
        public var message: String?

        enum CodingKeys: String, CodingKey {
            case number, outcome, message
            case startedAt = "started_at", durationMs = "duration_ms"
        }
    }

    enum CodingKeys: String, CodingKey {
        case job, plugin, reason, event, attempts
        case deadAt = "dead_at"
    }

    /// The document for `letter`.
    public init(_ letter: DeadLetter) {
        let stored = letter.event
        job = letter.jobID
        plugin = letter.plugin
        reason = letter.reason.rawValue
        deadAt = Self.timestamp(letter.deadAtUnixMilliseconds)
        event = Event(
            id: stored.id,
            eventType: stored.event.eventType,
            entityType: stored.event.entityType,
            entityId: stored.event.entityId,
            tenant: stored.event.tenant,
            source: stored.source,
            delivery: stored.deliveryID,
            deliveryKey: stored.idempotencyKey,
            receivedAt: Self.timestamp(stored.receivedAtUnixMilliseconds),
            json: JSONValue.parse(stored.event.json) ?? .string(String(decoding: stored.event.json, as: UTF8.self))
        )
        attempts = letter.attempts.map {
            Attempt(number: $0.number, startedAt: Self.timestamp($0.startedAtUnixMilliseconds), durationMs: $0.durationMilliseconds, outcome: $0.outcome.rawValue, message: $0.message)
        }
    }

    /// ISO 8601 with milliseconds, UTC.
    public static func timestamp(_ unixMilliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(unixMilliseconds) / 1000))
    }
}
