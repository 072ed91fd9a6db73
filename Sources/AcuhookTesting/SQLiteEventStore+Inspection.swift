import AcuhookSQLite
import AcuhookStore
import GRDB

extension SQLiteEventStore: InspectableStore {
    /// Rows in `table`, read on a connection of its own (the store's are its own business).
    public func count(_ table: String) async throws -> Int {
        precondition(["deliveries", "events", "idempotency_keys", "jobs", "job_attempts"].contains(table))
        return try await DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }

    /// Every job, oldest first, as stored.
    public func jobRows() async throws -> [StoredJobRow] {
        try await DatabaseQueue(path: path).read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT j.id, e.event_type, j.plugin, j.state, j.due_at, e.received_at, j.lane, j.debounce_key
                    FROM jobs j JOIN events e ON e.id = j.event_id ORDER BY j.id
                    """
            ).map { row in
                StoredJobRow(
                    id: row[0], eventType: row[1], plugin: row[2], state: JobState(rawValue: row[3]) ?? .pending,
                    dueAtUnixMilliseconds: row[4], receivedAtUnixMilliseconds: row[5], lane: row[6], debounceKey: row[7]
                )
            }
        }
    }
}
