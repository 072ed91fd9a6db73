import AcuhookCore
import AcuhookStore
import NIOCore
import PostgresNIO

/// Reading stored events: the columns every query that returns one selects, and their decoding.
enum EventColumns {
    /// Twelve columns, from `events e JOIN deliveries d`.
    static let sql = """
        e.id, e.delivery_id, d.source, e.event_type, e.entity_type, e.entity_id, e.tenant,
        e.ordering_key, COALESCE(e.json, d.body), e.received_at, d.idempotency_key, e.derivation_depth
        """

    /// The stored event in the twelve columns of ``sql`` starting at `offset`.
    static func event(_ row: PostgresRandomAccessRow, at offset: Int = 0) throws -> StoredEvent {
        StoredEvent(
            id: try row[offset].decode(Int64.self),
            deliveryID: try row[offset + 1].decode(Int64.self),
            source: try row[offset + 2].decode(String.self),
            event: InboundEvent(
                eventType: try row[offset + 3].decode(String.self),
                entityType: try row[offset + 4].decode(String.self),
                entityId: try row[offset + 5].decode(String.self),
                tenant: try row[offset + 6].decode(String.self),
                orderingKey: try row[offset + 7].decode(String.self),
                json: Array(buffer: try row[offset + 8].decode(ByteBuffer.self)),
                derivationDepth: Int(try row[offset + 11].decode(Int32.self))
            ),
            receivedAtUnixMilliseconds: try row[offset + 9].decode(Int64.self),
            idempotencyKey: try row[offset + 10].decode(String.self)
        )
    }
}

/// Reading job attempts.
enum AttemptColumns {
    /// Five columns of `job_attempts`, in the order they were recorded.
    static let sql = "attempt, started_at, duration_ms, outcome, message"

    /// The columns' types.
    typealias Row = (Int32, Int64, Int64, String, String?)

    /// The attempt a row of ``sql`` holds.
    static func attempt(_ row: Row) -> AttemptRecord {
        AttemptRecord(
            number: Int(row.0), startedAtUnixMilliseconds: row.1, durationMilliseconds: row.2,
            outcome: AttemptOutcome(rawValue: row.3) ?? .other(row.3), message: row.4
        )
    }
}
