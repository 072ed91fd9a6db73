import AcuhookPostgres
import AcuhookStore
import Logging
import PostgresNIO

extension PostgresEventStore: InspectableStore {
    /// Rows in `table`.
    public func count(_ table: String) async throws -> Int {
        precondition(["deliveries", "events", "idempotency_keys", "jobs", "job_attempts"].contains(table))
        return try await withPooledConnection { connection in
            for try await count in try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), logger: Logger(label: "test")).decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    /// Every job, oldest first, as stored.
    public func jobRows() async throws -> [StoredJobRow] {
        let query: PostgresQuery = """
            SELECT j.id, e.event_type, j.plugin, j.state, j.due_at, e.received_at, j.lane, j.debounce_key
            FROM jobs j JOIN events e ON e.id = j.event_id ORDER BY j.id
            """
        return try await withPooledConnection { connection in
            var rows: [StoredJobRow] = []
            let result = try await connection.query(query, logger: Logger(label: "test"))
            for try await (id, type, plugin, state, due, received, lane, debounce) in result.decode((Int64, String, String, String, Int64, Int64, String?, String?).self) {
                rows.append(StoredJobRow(
                    id: id, eventType: type, plugin: plugin, state: JobState(rawValue: state) ?? .pending,
                    dueAtUnixMilliseconds: due, receivedAtUnixMilliseconds: received, lane: lane, debounceKey: debounce
                ))
            }
            return rows
        }
    }
}
