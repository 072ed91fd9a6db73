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

    /// Deletes finished deliveries received before `cutoff`, `batchSize` per transaction, then
    /// gives freed pages back to the file system (`incremental_vacuum`, on stores created with
    /// `auto_vacuum = INCREMENTAL`; elsewhere SQLite reuses them for new rows).
    public func removeFinishedDeliveries(receivedBefore cutoff: Int64, batchSize: Int) async throws(StoreError) -> Int {
        let bound = try await read("cannot find old deliveries") { db in try Schema.firstDelivery(receivedAtOrAfter: cutoff, in: db) }
        var removed = 0
        while true {
            let batch = try await write("cannot remove finished deliveries (\(removed) removed before the failure)") { db in
                try Schema.removeFinished(below: bound, limit: max(1, batchSize), in: db)
            }
            removed += batch
            if batch < batchSize { break }
        }
        if removed > 0 {
            try await write("cannot reclaim free pages") { db in try db.execute(sql: "PRAGMA incremental_vacuum") }
        }
        return removed
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
