import AcuhookStore
import GRDB

extension SQLiteEventStore {
    /// One job row as stored, for tests that check how jobs were scheduled.
    public struct JobRow: Sendable, Equatable {
        /// The job's id.
        public var id: Int64
        /// The event's type.
        public var eventType: String
        /// The plugin.
        public var plugin: String
        /// Its state.
        public var state: JobState
        /// When it is due, ms since the Unix epoch.
        public var dueAtUnixMilliseconds: Int64
        /// When its event was received, ms since the Unix epoch.
        public var receivedAtUnixMilliseconds: Int64
        /// Its ordering lane (plugin and entity), nil when unordered.
        public var lane: String?
        /// Its debounce key (plugin and entity), nil when not debounced.
        public var debounceKey: String?
    }

    /// Rows in `table`, read on a connection of its own (the store's are its own business).
    public func count(_ table: String) async throws -> Int {
        precondition(["deliveries", "events", "idempotency_keys", "jobs", "job_attempts"].contains(table))
        return try await DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }

    /// Every job, oldest first, as stored.
    public func jobRows() async throws -> [JobRow] {
        try await DatabaseQueue(path: path).read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT j.id, e.event_type, j.plugin, j.state, j.due_at, e.received_at, j.lane, j.debounce_key
                    FROM jobs j JOIN events e ON e.id = j.event_id ORDER BY j.id
                    """
            ).map { row in
                JobRow(
                    id: row[0], eventType: row[1], plugin: row[2], state: JobState(rawValue: row[3]) ?? .pending,
                    dueAtUnixMilliseconds: row[4], receivedAtUnixMilliseconds: row[5], lane: row[6], debounceKey: row[7]
                )
            }
        }
    }

    /// Leases up to `limit` due jobs of `plugins` (each may give up to `limit`), the way the
    /// dispatcher claims them.
    public func claimJobs(plugins: [String], limit: Int, lease: Duration, nowUnixMilliseconds: Int64) async throws(StoreError) -> [ClaimedJob] {
        try await claimJobs(perPlugin: Dictionary(uniqueKeysWithValues: plugins.map { ($0, limit) }), lease: lease, nowUnixMilliseconds: nowUnixMilliseconds)
    }
}
