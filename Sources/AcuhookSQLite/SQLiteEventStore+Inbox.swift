import AcuhookStore
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

    /// Deletes up to `limit` expired idempotency keys, oldest first (by the expiry index).
    public func expireIdempotencyKeys(nowUnixMilliseconds: Int64, limit: Int) async throws(StoreError) -> Int {
        try await write("cannot expire idempotency keys") { db in
            try db.execute(
                sql: """
                    DELETE FROM idempotency_keys WHERE (source, key) IN (
                        SELECT source, key FROM idempotency_keys WHERE expires_at < ? ORDER BY expires_at LIMIT ?)
                    """,
                arguments: [nowUnixMilliseconds, max(1, limit)]
            )
            return db.changesCount
        }
    }

    /// Deletes up to `limit` finished deliveries received before `cutoff`, oldest first.
    public func removeFinishedDeliveries(receivedBefore cutoff: Int64, limit: Int) async throws(StoreError) -> Int {
        let bound = try await read("cannot find old deliveries") { db in try Schema.firstDelivery(receivedAtOrAfter: cutoff, in: db) }
        return try await write("cannot remove finished deliveries") { db in
            try Schema.removeFinished(below: bound, limit: max(1, limit), in: db)
        }
    }

    /// `PRAGMA incremental_vacuum(limit)` on stores created with `auto_vacuum = INCREMENTAL`
    /// (every store this version creates); older stores reuse free pages for new rows and
    /// return 0.
    public func reclaimFreePages(limit: Int) async throws(StoreError) -> Int {
        try await write("cannot reclaim free pages") { db in
            guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2 else { return 0 }
            let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            guard free > 0 else { return 0 }
            try db.execute(sql: "PRAGMA incremental_vacuum(\(max(1, min(limit, free))))")
            return free - (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0)
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
