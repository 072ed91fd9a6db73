import AcuhookCore
import GRDB

extension SQLiteEventStore {
    /// Commits a delivery in the next shared commit; `completion` runs on the writer thread.
    public func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void) {
        writer.enqueue(SharedWrite({ db, batch in try Schema.insert(delivery, retention: retention, ids: &batch.deliveryIDs, in: db) }, completion: completion))
    }

    /// Takes and releases the write lock.
    public func checkWritable() async throws(StoreError) {
        try await write("the store is not writable") { db in try db.execute(sql: "UPDATE store_meta SET value = value WHERE key = 'schema'") }
    }

    /// Deletes expired idempotency keys.
    public func expireIdempotencyKeys(nowUnixMilliseconds: Int64) async throws(StoreError) -> Int {
        try await write("cannot expire idempotency keys") { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE expires_at < ?", arguments: [nowUnixMilliseconds])
            return db.changesCount
        }
    }

    /// Events with id above `afterID`.
    public func events(after afterID: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] {
        try await read("cannot read events") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Schema.eventColumns)
                    FROM events e JOIN deliveries d ON d.id = e.delivery_id
                    WHERE e.id > ? ORDER BY e.id LIMIT ?
                    """,
                arguments: [afterID, limit]
            ).map { Schema.storedEvent($0) }
        }
    }
}
