import AcuhookStore
import AcuhookCore
import Foundation
import GRDB

/// The SQLite schema and the one write every accepted delivery makes.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-inbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    INSERT INTO store_meta (key, value) VALUES ('schema', '1');
                    CREATE TABLE deliveries (
                        id INTEGER PRIMARY KEY,
                        source TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL,
                        idempotency_key_origin TEXT NOT NULL,
                        format TEXT NOT NULL,
                        received_at INTEGER NOT NULL,
                        client_address TEXT NOT NULL,
                        headers TEXT NOT NULL,
                        body BLOB NOT NULL,
                        event_count INTEGER NOT NULL
                    );
                    CREATE TABLE idempotency_keys (
                        source TEXT NOT NULL,
                        key TEXT NOT NULL,
                        delivery_id INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        PRIMARY KEY (source, key)
                    ) WITHOUT ROWID;
                    CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY,
                        delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
                        position INTEGER NOT NULL,
                        event_type TEXT NOT NULL,
                        entity_type TEXT NOT NULL,
                        entity_id TEXT NOT NULL,
                        tenant TEXT NOT NULL,
                        ordering_key TEXT NOT NULL,
                        received_at INTEGER NOT NULL,
                        derivation_depth INTEGER NOT NULL DEFAULT 0,
                        json BLOB
                    );
                    CREATE INDEX events_delivery ON events (delivery_id);
                    """
            )
        }
        migrator.registerMigration("2-jobs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE jobs (
                        id INTEGER PRIMARY KEY,
                        event_id INTEGER NOT NULL REFERENCES events (id),
                        plugin TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        due_at INTEGER NOT NULL,
                        lease_until INTEGER,
                        last_delay_ms INTEGER,
                        dead_reason TEXT,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX jobs_due ON jobs (state, due_at);
                    CREATE INDEX jobs_event ON jobs (event_id);
                    CREATE TABLE job_attempts (
                        job_id INTEGER NOT NULL REFERENCES jobs (id),
                        attempt INTEGER NOT NULL,
                        started_at INTEGER NOT NULL,
                        duration_ms INTEGER NOT NULL,
                        outcome TEXT NOT NULL,
                        message TEXT
                    );
                    CREATE INDEX job_attempts_job ON job_attempts (job_id);
                    """
            )
        }
        migrator.registerMigration("3-lanes") { db in
            try db.execute(
                sql: """
                    ALTER TABLE jobs ADD COLUMN lane TEXT;
                    CREATE INDEX jobs_lane ON jobs (lane, id) WHERE lane IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("4-debounce") { db in
            try db.execute(
                sql: """
                    ALTER TABLE jobs ADD COLUMN debounce_key TEXT;
                    CREATE INDEX jobs_debounce ON jobs (debounce_key, state) WHERE debounce_key IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("5-lane-order") { db in
            // Jobs of one lane run in `TimeStamp` order (then receipt order), not receipt order alone.
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN lane_order TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("6-claim-per-plugin") { db in
            // Claims scan one plugin's due jobs at a time (see Schema.claim(now:perPlugin:…)).
            try db.execute(sql: "CREATE INDEX jobs_plugin_due ON jobs (state, plugin, due_at)")
        }
        migrator.registerMigration("7-drop-jobs-due") { db in
            // Every claim and count is served by jobs_plugin_due; one index fewer to move on
            // every state change.
            try db.execute(sql: "DROP INDEX jobs_due")
        }
        migrator.registerMigration("8-overrides") { db in
            // Runtime overrides (CLI, admin API): kept across restarts; `overrides_version` is
            // bumped by every change so a running server notices them cheaply.
            try db.execute(
                sql: """
                    CREATE TABLE overrides (
                        kind TEXT NOT NULL,
                        plugin TEXT NOT NULL,
                        pattern TEXT NOT NULL,
                        value TEXT NOT NULL,
                        updated_at INTEGER NOT NULL,
                        PRIMARY KEY (kind, plugin, pattern)
                    );
                    INSERT INTO store_meta (key, value) VALUES ('overrides_version', '0');
                    """
            )
        }
        migrator.registerMigration("9-drop-events-delivery") { db in
            // No query looks events up by delivery (jobs reach events by id, events reach
            // deliveries by id): one index fewer to write on every delivery.
            try db.execute(sql: "DROP INDEX events_delivery")
        }
        migrator.registerMigration("10-delivery-log") { db in
            // The console: a delivery's events, deliveries by source, by event type.
            try db.execute(
                sql: """
                    CREATE INDEX events_delivery ON events (delivery_id);
                    CREATE INDEX events_type ON events (event_type, delivery_id);
                    CREATE INDEX deliveries_source ON deliveries (source, id);
                    """
            )
        }
        migrator.registerMigration("11-derived-budget") { db in
            // Derived events count against their received delivery's budget: each derived
            // delivery names its root; the root keeps the counts.
            try db.execute(
                sql: """
                    ALTER TABLE deliveries ADD COLUMN root_delivery_id INTEGER;
                    ALTER TABLE deliveries ADD COLUMN derived_events INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE deliveries ADD COLUMN derived_refused INTEGER NOT NULL DEFAULT 0;
                    """
            )
        }
        migrator.registerMigration("12-claim-tokens") { db in
            // Every claim increases a job's token; a completion or release from an older claim
            // (a dispatcher that lost its lease) changes nothing.
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN claim INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("13-replays") { db in
            // Backfills: a replay's selection, the events it covers (up to `upto_event`) and how
            // far it got (`cursor`, the last event given a job), so an interrupted one resumes.
            try db.execute(
                sql: """
                    CREATE TABLE replays (
                        id INTEGER PRIMARY KEY,
                        plugin TEXT NOT NULL,
                        selection TEXT NOT NULL,
                        upto_event INTEGER NOT NULL,
                        cursor INTEGER NOT NULL DEFAULT 0,
                        total INTEGER NOT NULL,
                        created INTEGER NOT NULL DEFAULT 0,
                        started_at INTEGER NOT NULL,
                        finished_at INTEGER
                    );
                    ALTER TABLE jobs ADD COLUMN replay INTEGER;
                    """
            )
        }
        return migrator
    }

    /// Hands out delivery row ids inside one transaction: one past the largest stored id, read
    /// once (the write lock is held, so no other connection inserts), then counted up.
    struct DeliveryIDs {
        private var next: Int64?
        /// Delivery rows inserted so far in this transaction.
        private(set) var taken = 0

        /// Starts a transaction's count.
        init() {}

        /// The id the next delivery row gets.
        mutating func peek(in db: Database) throws -> Int64 {
            if let next { return next }
            let first = try BoundStatement("SELECT coalesce(max(id), 0) + 1 FROM deliveries", in: db).run([]) ?? 1
            next = first
            return first
        }

        /// Marks the peeked id as used.
        mutating func take() {
            next = (next ?? 0) + 1
            taken += 1
        }
    }

    /// Inserts one delivery unless its key is live; runs inside the batch's transaction, with
    /// the transaction's ``DeliveryIDs``.
    ///
    /// The key is claimed first, by one upsert that takes a new or expired key and leaves a live
    /// one alone: the common case (a new delivery) runs three statements — key, delivery,
    /// event — and a duplicate writes nothing. The statements are cached (parsed once per
    /// connection) and bound directly through SQLite's C API (``BoundStatement``): this runs for
    /// every delivery on the writer thread.
    static func insert(_ delivery: Delivery, retention: Duration, ids: inout DeliveryIDs, in db: Database) throws -> AcceptResult {
        let received = delivery.receivedAtUnixMilliseconds
        let deliveryID = try ids.peek(in: db)
        let retentionMs = retention.wholeMilliseconds
        try BoundStatement(
            """
            INSERT INTO idempotency_keys (source, key, delivery_id, expires_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (source, key) DO UPDATE SET delivery_id = excluded.delivery_id, expires_at = excluded.expires_at
            WHERE idempotency_keys.expires_at < ?
            """,
            in: db
        ).run([.text(delivery.source), .text(delivery.idempotencyKey), .integer(deliveryID), .integer(received + retentionMs), .integer(received)])
        if db.changesCount == 0 {
            // The key is live: a duplicate. Nothing was written.
            let existing = try BoundStatement("SELECT delivery_id FROM idempotency_keys WHERE source = ? AND key = ?", in: db)
                .run([.text(delivery.source), .text(delivery.idempotencyKey)])
            return .duplicate(deliveryID: existing ?? 0)
        }
        try BoundStatement(
            """
            INSERT INTO deliveries (id, source, idempotency_key, idempotency_key_origin, format, received_at, client_address, headers, event_count, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            in: db
        ).run(
            [
                .integer(deliveryID), .text(delivery.source), .text(delivery.idempotencyKey), .text(delivery.idempotencyKeyOrigin), .text(delivery.format.rawValue),
                .integer(received), .text(delivery.clientAddress), .text(StoredForm.headersText(delivery.headers)), .integer(Int64(delivery.events.count)),
            ],
            blob: delivery.body, at: 10
        )
        ids.take()
        var eventIDs: [Int64] = []
        let insertEvent = try BoundStatement(
            """
            INSERT INTO events (delivery_id, position, event_type, entity_type, entity_id, tenant, ordering_key, received_at, derivation_depth, json)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            in: db
        )
        let insertJob = try BoundStatement(
            "INSERT INTO jobs (event_id, plugin, state, due_at, updated_at, lane, lane_order, debounce_key) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?)",
            in: db
        )
        for (position, event) in delivery.events.enumerated() {
            let laneOrder = event.orderedPlugins.isEmpty ? "" : StoredForm.laneOrder(event.orderingKey)
            try insertEvent.run(
                [
                    .integer(deliveryID), .integer(Int64(position)), .text(event.eventType), .text(event.entityType), .text(event.entityId),
                    .text(event.tenant), .text(event.orderingKey), .integer(received), .integer(Int64(event.derivationDepth)),
                ],
                // No blob (NULL): the event's JSON is the delivery body itself (guide format); not stored twice.
                blob: event.json == delivery.body ? nil : event.json, at: 10
            )
            let eventID = db.lastInsertedRowID
            eventIDs.append(eventID)
            // One job per routed plugin, in the same transaction: no event is stored without its jobs.
            for plugin in event.plugins {
                // An ordered job waits while a job of its lane (plugin + entity) runs, or one with
                // an earlier TimeStamp (or the same, received earlier) is pending.
                let entity = StoredForm.entityLane(plugin: plugin, event: event)
                let lane = event.orderedPlugins.contains(plugin) ? entity : nil
                var due = received
                var debounceKey: String? = nil
                if let window = event.debounceMilliseconds[plugin] {
                    // Debounce: the newest event of the entity wins; older pending ones are superseded.
                    debounceKey = entity
                    due += window
                    try BoundStatement("UPDATE jobs SET state = 'superseded', updated_at = ? WHERE debounce_key = ? AND state = 'pending'", in: db)
                        .run([.integer(received), .text(entity)])
                }
                try insertJob.run([
                    .integer(eventID), .text(plugin), .integer(due), .integer(received),
                    lane.map { .text($0) } ?? .null, .text(lane == nil ? "" : laneOrder), debounceKey.map { .text($0) } ?? .null,
                ])
            }
        }
        return .accepted(deliveryID: deliveryID, eventIDs: eventIDs)
    }
}
