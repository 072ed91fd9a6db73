import Logging
import PostgresNIO

/// The PostgreSQL schema, as numbered migrations applied in order at start.
///
/// Every instance runs ``migrate(_:schema:logger:)`` when it opens the store. The first statement
/// takes a transaction-scoped advisory lock named after the schema, so instances starting
/// together apply each migration once; the others wait, then find nothing left to do. A
/// database whose schema is newer than this binary knows is refused, never written to.
enum PostgresSchema {
    /// One numbered step.
    struct Migration {
        let version: Int
        let name: String
        let sql: [String]
    }

    /// Every migration this binary knows, oldest first.
    static let migrations: [Migration] = [
        Migration(version: 1, name: "store", sql: [
            """
            CREATE TABLE store_meta (key text PRIMARY KEY, value bigint NOT NULL)
            """,
            "INSERT INTO store_meta (key, value) VALUES ('overrides_version', 0)",
            // Ids come from sequences, fetched ahead by the writer: a batch knows its rows' ids
            // before it inserts them (no FOREIGN KEYs: rows are only written and deleted by the
            // store, parents first and children first, inside one statement or transaction).
            "CREATE SEQUENCE deliveries_id_seq",
            "CREATE SEQUENCE events_id_seq",
            """
            CREATE TABLE deliveries (
                id bigint PRIMARY KEY,
                source text NOT NULL,
                idempotency_key text NOT NULL,
                idempotency_key_origin text NOT NULL,
                format text NOT NULL,
                received_at bigint NOT NULL,
                client_address text NOT NULL,
                headers text NOT NULL,
                body bytea NOT NULL,
                event_count integer NOT NULL,
                root_delivery_id bigint,
                derived_events integer NOT NULL DEFAULT 0,
                derived_refused integer NOT NULL DEFAULT 0
            )
            """,
            // Receipt times rise with the table's physical order: a BRIN index is tiny and
            // nearly free to keep, and serves retention and the console's time ranges.
            "CREATE INDEX deliveries_received ON deliveries USING brin (received_at)",
            "CREATE INDEX deliveries_source ON deliveries (source, id)",
            """
            CREATE TABLE idempotency_keys (
                source text NOT NULL,
                key text NOT NULL,
                delivery_id bigint NOT NULL,
                expires_at bigint NOT NULL,
                PRIMARY KEY (source, key)
            )
            """,
            "CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)",
            """
            CREATE TABLE events (
                id bigint PRIMARY KEY,
                delivery_id bigint NOT NULL,
                position integer NOT NULL,
                event_type text NOT NULL,
                entity_type text NOT NULL,
                entity_id text NOT NULL,
                tenant text NOT NULL,
                ordering_key text NOT NULL,
                received_at bigint NOT NULL,
                derivation_depth integer NOT NULL DEFAULT 0,
                json bytea
            )
            """,
            "CREATE INDEX events_delivery ON events (delivery_id)",
            "CREATE INDEX events_type ON events (event_type, delivery_id)",
            """
            CREATE TABLE jobs (
                id bigserial PRIMARY KEY,
                event_id bigint NOT NULL,
                plugin text NOT NULL,
                state text NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                due_at bigint NOT NULL,
                lease_until bigint,
                last_delay_ms bigint,
                dead_reason text,
                updated_at bigint NOT NULL,
                lane text,
                lane_order text NOT NULL DEFAULT '',
                debounce_key text,
                claim bigint NOT NULL DEFAULT 0,
                claimed_by text
            )
            """,
            // Claims: one plugin's due jobs, oldest first, from an index holding pending jobs
            // only, so a million finished or held jobs elsewhere cost a claim nothing.
            "CREATE INDEX jobs_claim ON jobs (plugin, due_at, id) WHERE state = 'pending'",
            // The rescuer: running jobs whose lease expired.
            "CREATE INDEX jobs_lease ON jobs (lease_until) WHERE state = 'running'",
            "CREATE INDEX jobs_event ON jobs (event_id)",
            "CREATE INDEX jobs_lane ON jobs (lane, lane_order, id) WHERE lane IS NOT NULL AND state IN ('pending', 'running')",
            // At most one running job per ordering lane (plugin and entity), whichever instance
            // claimed it: the database refuses a second.
            "CREATE UNIQUE INDEX jobs_lane_running ON jobs (lane) WHERE lane IS NOT NULL AND state = 'running'",
            "CREATE INDEX jobs_debounce ON jobs (debounce_key) WHERE debounce_key IS NOT NULL AND state = 'pending'",
            "CREATE INDEX jobs_dead ON jobs (plugin, dead_reason, updated_at) WHERE state = 'dead'",
            """
            CREATE TABLE job_attempts (
                seq bigserial PRIMARY KEY,
                job_id bigint NOT NULL,
                attempt integer NOT NULL,
                started_at bigint NOT NULL,
                duration_ms bigint NOT NULL,
                outcome text NOT NULL,
                message text
            )
            """,
            "CREATE INDEX job_attempts_job ON job_attempts (job_id)",
            """
            CREATE TABLE overrides (
                kind text NOT NULL,
                plugin text NOT NULL,
                pattern text NOT NULL,
                value text NOT NULL,
                updated_at bigint NOT NULL,
                PRIMARY KEY (kind, plugin, pattern)
            )
            """,
        ]),
        // Backfills: a replay's selection, the events it covers (up to `upto_event`) and how far
        // it got (`cursor`, the last event given a job), so an interrupted one resumes.
        Migration(version: 2, name: "replays", sql: [
            """
            CREATE TABLE replays (
                id bigserial PRIMARY KEY,
                plugin text NOT NULL,
                selection text NOT NULL,
                upto_event bigint NOT NULL,
                cursor bigint NOT NULL DEFAULT 0,
                total bigint NOT NULL,
                created bigint NOT NULL DEFAULT 0,
                started_at bigint NOT NULL,
                finished_at bigint
            )
            """,
            "ALTER TABLE jobs ADD COLUMN replay bigint",
        ]),
    ]

    /// The newest version this binary knows.
    static var latest: Int { migrations.last?.version ?? 0 }

    /// Applies the migrations `connection`'s database lacks, under the schema's advisory lock,
    /// in one transaction. Throws ``PostgresSchemaError`` for a schema newer than ``latest``.
    static func migrate(_ connection: PostgresConnection, schema: String, logger: Logger) async throws {
        try await connection.query("BEGIN", logger: logger)
        do {
            // The lock's key: the schema's name, hashed (two installations in two schemas do not wait for each other).
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("acuhook-migrations:" + schema)))", logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(schema)"), logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger
            )
            var current = 0
            for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger).decode(Int.self) {
                current = version
            }
            guard current <= latest else { throw PostgresSchemaError(found: current, known: latest) }
            for migration in migrations where migration.version > current {
                for statement in migration.sql { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await connection.query("INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                logger.notice("PostgreSQL store migrated", metadata: ["acuhook.store.schema": "\(schema)", "acuhook.store.migration": "\(migration.version)-\(migration.name)"])
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}

/// The database's schema is newer than this binary: another, newer acuhook migrated it.
struct PostgresSchemaError: Error, CustomStringConvertible {
    /// The database's schema version.
    let found: Int
    /// The newest this binary knows.
    let known: Int

    var description: String {
        "the database's Acuhook schema is version \(found), newer than this acuhook knows (\(known)): run the newer acuhook, or point store.url at another database or schema"
    }
}
