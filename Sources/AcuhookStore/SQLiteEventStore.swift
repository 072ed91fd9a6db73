import AcuhookCore
import Foundation
import GRDB
import Logging
import Synchronization

/// The inbox in one SQLite file (WAL mode, via GRDB).
///
/// Concurrent ``accept(_:keepKeyFor:)`` calls share commits: the first caller to find the writer
/// idle starts a drain on the store's own serial queue, which writes everything queued so far in
/// one transaction, so throughput does not collapse to one fsync per request. Every caller
/// returns after the transaction holding its delivery commits.
///
/// WAL checkpoints run on a second connection in the background (`PASSIVE`, at most once a
/// second), so a commit never waits for one.
public final class SQLiteEventStore: EventStore {
    /// Settings.
    public struct Configuration: Sendable {
        /// The database file; its folder is created if missing.
        public var path: String
        /// `full` (default): fsync on every commit, durable across power loss. `normal`: durable
        /// across a process crash (`kill -9`) but may lose the last commits on power loss.
        public var synchronous: Synchronous = .full
        /// Most deliveries committed in one transaction. Default 256.
        public var maxBatch: Int = 256
        /// How long a commit waits for a lock held by another connection before failing. Default 5 s.
        public var busyTimeout: Double = 5

        /// SQLite's `synchronous` levels offered.
        public enum Synchronous: String, Sendable { case full = "FULL", normal = "NORMAL" }

        /// Settings for the file at `path`.
        public init(path: String) { self.path = path }
    }

    private struct Pending {
        let delivery: Delivery
        let retention: Duration
        let continuation: CheckedContinuation<AcceptResult, any Error>
    }

    private struct Queue {
        var pending: [Pending] = []
        var draining = false
    }

    private let pool: DatabasePool
    private let checkpointer: DatabaseQueue
    private let configuration: Configuration
    private let logger: Logger
    private let queue = Mutex(Queue())
    private let writer = DispatchQueue(label: "acuhook.store.writer")
    private let checkpointQueue = DispatchQueue(label: "acuhook.store.checkpoint", qos: .utility)
    private let checkpointState = Mutex((running: false, last: ContinuousClock.now))

    /// Opens (creating if needed) and migrates the database.
    public init(configuration: Configuration, logger: Logger) throws(StoreError) {
        self.configuration = configuration
        self.logger = logger
        do {
            let folder = URL(fileURLWithPath: configuration.path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var grdb = GRDB.Configuration()
            grdb.busyMode = .timeout(configuration.busyTimeout)
            let synchronous = configuration.synchronous.rawValue
            grdb.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                // Checkpoints are run by `checkpointer`, never by a committing writer.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            }
            pool = try DatabasePool(path: configuration.path, configuration: grdb)
            try Schema.migrator.migrate(pool)
            checkpointer = try DatabaseQueue(path: configuration.path, configuration: grdb)
        } catch {
            throw StoreError(.unavailable, "cannot open the SQLite store at \(configuration.path)", underlying: error)
        }
    }

    /// Commits a delivery (shared commit with any others waiting).
    public func accept(_ delivery: Delivery, keepKeyFor retention: Duration) async throws(StoreError) -> AcceptResult {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let lead = queue.withLock { queue -> Bool in
                    queue.pending.append(Pending(delivery: delivery, retention: retention, continuation: continuation))
                    if queue.draining { return false }
                    queue.draining = true
                    return true
                }
                if lead { writer.async { self.drain() } }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "commit failed", underlying: error)
        }
    }

    /// Writes batches until the queue is empty. Runs on `writer`, a serial queue of the store's
    /// own (never the cooperative pool), so the blocking SQLite calls are fine here.
    private func drain() {
        while true {
            let batch = queue.withLock { queue -> [Pending] in
                let count = min(queue.pending.count, configuration.maxBatch)
                let batch = Array(queue.pending.prefix(count))
                queue.pending.removeFirst(count)
                if batch.isEmpty { queue.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            do {
                let results = try pool.write { db in
                    try batch.map { try Schema.insert($0.delivery, retention: $0.retention, in: db) }
                }
                for (item, result) in zip(batch, results) { item.continuation.resume(returning: result) }
            } catch {
                logger.error(
                    "store commit failed; deliveries in this batch are refused with 503",
                    metadata: ["acuhook.store.batch": "\(batch.count)", "acuhook.error": "\(error)"]
                )
                let failure = StoreError(.unavailable, "the store could not commit", underlying: error)
                for item in batch { item.continuation.resume(throwing: failure) }
            }
            scheduleCheckpoint()
        }
    }

    /// Starts a passive WAL checkpoint on the second connection, at most once a second.
    private func scheduleCheckpoint() {
        let start = checkpointState.withLock { state -> Bool in
            guard !state.running, state.last.duration(to: .now) > .seconds(1) else { return false }
            state.running = true
            return true
        }
        guard start else { return }
        checkpointQueue.async { [self] in
            do {
                try checkpointer.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            } catch {
                logger.warning("WAL checkpoint failed; will retry", metadata: ["acuhook.error": "\(error)"])
            }
            checkpointState.withLock { $0 = (false, .now) }
        }
    }

    /// Takes and releases the write lock.
    public func checkWritable() async throws(StoreError) {
        do {
            try await pool.write { db in try db.execute(sql: "UPDATE store_meta SET value = value WHERE key = 'schema'") }
        } catch {
            throw StoreError(.unavailable, "the store is not writable", underlying: error)
        }
    }

    /// Deletes expired idempotency keys.
    public func expireIdempotencyKeys(nowUnixMilliseconds: Int64) async throws(StoreError) -> Int {
        do {
            return try await pool.write { db in
                try db.execute(sql: "DELETE FROM idempotency_keys WHERE expires_at < ?", arguments: [nowUnixMilliseconds])
                return db.changesCount
            }
        } catch {
            throw StoreError(.unavailable, "cannot expire idempotency keys", underlying: error)
        }
    }

    /// Events with id above `afterID`.
    public func events(after afterID: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] {
        do {
            return try await pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT e.id, e.delivery_id, d.source, e.event_type, e.entity_type, e.entity_id, e.tenant,
                               e.ordering_key, COALESCE(e.json, d.body), e.received_at, d.idempotency_key
                        FROM events e JOIN deliveries d ON d.id = e.delivery_id
                        WHERE e.id > ? ORDER BY e.id LIMIT ?
                        """,
                    arguments: [afterID, limit]
                ).map { row in
                    StoredEvent(
                        id: row[0],
                        deliveryID: row[1],
                        source: row[2],
                        event: InboundEvent(
                            eventType: row[3], entityType: row[4], entityId: row[5], tenant: row[6], orderingKey: row[7],
                            json: Array((row[8] as Data?) ?? Data())
                        ),
                        receivedAtUnixMilliseconds: row[9],
                        idempotencyKey: row[10]
                    )
                }
            }
        } catch {
            throw StoreError(.unavailable, "cannot read events", underlying: error)
        }
    }

    /// Counts rows in a table (for tests and operators).
    public func count(_ table: String) async throws -> Int {
        precondition(["deliveries", "events", "idempotency_keys"].contains(table))
        return try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }
}
