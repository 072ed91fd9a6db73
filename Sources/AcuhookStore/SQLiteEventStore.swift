import AcuhookCore
import Foundation
import GRDB
import Logging
import Synchronization

/// The inbox in one SQLite file (WAL mode, via GRDB).
///
/// Concurrent writes share commits — deliveries (``accept(_:keepKeyFor:)``), job outcomes
/// (``complete(_:)``) and the dispatcher's claims (``claimJobs(perPlugin:lease:nowUnixMilliseconds:)``,
/// each in a savepoint): the first caller to find the writer idle starts a drain, which writes
/// everything queued so far in one transaction, so throughput does not collapse to one fsync per
/// request. Every caller returns after the transaction holding its write commits.
///
/// Writes run on a thread of the store's own (see ``DedicatedThread``). The WAL is checkpointed
/// by SQLite's own automatic `PASSIVE` checkpoint on that writer once it holds
/// ``Configuration/checkpointPages`` pages: the writer is the only one, so the checkpoint
/// completes and the next commit starts the WAL over, and ``Configuration/walSizeLimitBytes``
/// truncates the file then. (Background checkpoints on a second connection were tried: under a
/// steady load they never complete, the WAL grows without bound, and the forced catch-up
/// stalled commits for 100–180 ms — measured with `acuhook-bench latency`.)
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
        /// WAL pages after which a commit runs a PASSIVE checkpoint (`wal_autocheckpoint`).
        /// Default 16000 (~64 MiB). That checkpoint stalls the commit that runs it (the database
        /// file's fsync): with SQLite's 1000 a busy writer did so ~10 times a second, 12–17 ms
        /// each, and the receive benchmark's p99 was 20–23 ms. Measured one after another with
        /// `Benchmarks/receive.sh`'s load (32 connections, p99 / p99.9): once deliveries were
        /// answered on the event loop (~13k a second), 8000 pages with the background interval
        /// at 10 ms gave 13–25 / 24–40 ms; 8000/5 ms 5.6 / 9–10 ms; 16000/5 ms 4.9–5.2 / 7–8.5 ms;
        /// 32000/10 ms 47 / 99 ms.
        public var checkpointPages: Int = 16000
        /// Size the WAL file is truncated to when it starts over (`journal_size_limit`).
        /// Default 96 MiB (above the checkpoint size, so a steady load does not truncate and
        /// regrow the file at every restart).
        public var walSizeLimitBytes: Int = 96 << 20
        /// How often a second connection copies WAL pages back (and fsyncs the database file)
        /// in the background, so the writer's own checkpoint finds little left to copy.
        /// nil: never. Default 5 ms (it is scheduled only by commits: an idle store does not
        /// run it; see ``checkpointPages`` for the measurements).
        public var backgroundCheckpointInterval: Duration? = .milliseconds(5)

        /// Group commit window: when the last commit carried more than one write and was taken
        /// less than 10 ms ago (senders are concurrent), the next waits up to this long, or until
        /// ``commitDelayTarget`` writes wait, so more writes share one transaction and its fsync.
        /// A write arriving at an idle writer never waits.
        /// `.zero` disables. Default 500 µs (`Benchmarks/receive.sh`: commits carried ~4 writes
        /// without it, ~12 with it, and the writer thread's CPU per delivery fell by a third).
        public var commitDelay: Duration = .microseconds(500)
        /// Writes waiting that end the commit window early. Default 32.
        public var commitDelayTarget: Int = 32

        /// SQLite's `synchronous` levels offered.
        public enum Synchronous: String, Sendable { case full = "FULL", normal = "NORMAL" }

        /// Settings for the file at `path`.
        public init(path: String) { self.path = path }
    }

    /// One write waiting for the next shared commit.
    private enum Pending {
        case accept(Delivery, Duration, @Sendable (Result<AcceptResult, StoreError>) -> Void)
        case complete([JobCompletion], CheckedContinuation<Void, any Error>)
        case claim([String: Int], lease: Int64, now: Int64, CheckedContinuation<[ClaimedJob], any Error>)

        func fail(_ error: StoreError) {
            switch self {
            case .accept(_, _, let completion): completion(.failure(error))
            case .complete(_, let continuation): continuation.resume(throwing: error)
            case .claim(_, _, _, let continuation): continuation.resume(throwing: error)
            }
        }
    }

    /// What one write of a batch produced (typed, so handing results back casts nothing).
    private enum Written {
        case accepted(AcceptResult)
        case completed
        case claimed(Result<[ClaimedJob], any Error>)
    }

    private struct Queue {
        var pending: [Pending] = []
        var draining = false
        /// The writer waits in its commit window for this many writes (0: it is not waiting).
        var windowTarget = 0
        /// Writes in the last commit and when it was taken (decide whether the next waits).
        var lastBatch = 0
        var lastBatchAt = ContinuousClock.now
    }

    private let pool: DatabasePool
    private let configuration: Configuration
    private let logger: Logger
    private let queue = Mutex(Queue())
    /// Wakes the writer from its commit window once enough writes wait (see ``waitForCompany()``).
    /// A semaphore: signalling never blocks the caller, which may be an event loop.
    private let windowFull = DispatchSemaphore(value: 0)
    private let writer = DedicatedThread(name: "acuhook-writer")
    private let checkpointer: DatabaseQueue
    private let checkpointThread = DedicatedThread(name: "acuhook-ckpt")
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
            let (pages, limit) = (configuration.checkpointPages, configuration.walSizeLimitBytes)
            grdb.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)")
                try db.execute(sql: "PRAGMA journal_size_limit = \(limit)")
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
        try await withUnsafeContinuation { continuation in
            accept(delivery, keepKeyFor: retention) { continuation.resume(returning: $0) }
        }.get()
    }

    /// Commits a delivery and calls `completion` on the store's writer thread once it is durable
    /// (or failed). For callers on an event loop, which hop back to it themselves.
    public func accept(_ delivery: Delivery, keepKeyFor retention: Duration, completion: @escaping @Sendable (Result<AcceptResult, StoreError>) -> Void) {
        enqueue(.accept(delivery, retention, completion))
    }

    /// Commits how claimed jobs ended (with their attempts and derived events), sharing the
    /// transaction with whatever else is waiting to be written.
    public func complete(_ completions: [JobCompletion]) async throws(StoreError) {
        guard !completions.isEmpty else { return }
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enqueue(.complete(completions, continuation))
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "commit failed", underlying: error)
        }
    }

    private func enqueue(_ pending: Pending) {
        let (lead, full) = queue.withLock { queue -> (Bool, Bool) in
            queue.pending.append(pending)
            if queue.draining { return (false, queue.pending.count == queue.windowTarget) }
            queue.draining = true
            return (true, false)
        }
        if lead { writer.submit { self.drain() } }
        if full { windowFull.signal() }
    }

    /// Writes batches until the queue is empty. Runs on `writer`, a thread of the store's own
    /// (never the cooperative pool or a dispatch worker), so the blocking SQLite calls are fine here.
    private func drain() {
        while true {
            waitForCompany()
            let batch = queue.withLock { queue -> [Pending] in
                var batch: [Pending] = []
                if queue.pending.count <= configuration.maxBatch {
                    // The usual case: take the whole queue without copying its elements.
                    swap(&batch, &queue.pending)
                } else {
                    batch = Array(queue.pending.prefix(configuration.maxBatch))
                    queue.pending.removeFirst(configuration.maxBatch)
                }
                if batch.isEmpty {
                    queue.draining = false
                } else {
                    (queue.lastBatch, queue.lastBatchAt) = (batch.count, .now)
                }
                return batch
            }
            if batch.isEmpty { return }
            do {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let results = try pool.writeWithoutTransaction { db in
                    try Self.transaction(db) {
                        var ids = Schema.DeliveryIDs()
                        return try batch.map { item -> Written in
                            switch item {
                            case .accept(let delivery, let retention, _):
                                return .accepted(try Schema.insert(delivery, retention: retention, ids: &ids, in: db))
                            case .complete(let completions, _):
                                for completion in completions { try Schema.complete(completion, now: now, ids: &ids, in: db) }
                                return .completed
                            case .claim(let limits, let lease, let claimNow, _):
                                // In a savepoint: a failed claim must not undo the batch's deliveries.
                                try BoundStatement("SAVEPOINT claim", in: db).run([])
                                do {
                                    let claimed = try Schema.claim(now: claimNow, perPlugin: limits, leaseMilliseconds: lease, in: db)
                                    try BoundStatement("RELEASE claim", in: db).run([])
                                    return .claimed(.success(claimed))
                                } catch {
                                    try BoundStatement("ROLLBACK TO claim", in: db).run([])
                                    try BoundStatement("RELEASE claim", in: db).run([])
                                    return .claimed(.failure(error))
                                }
                            }
                        }
                    }
                }
                for index in batch.indices {
                    switch (batch[index], results[index]) {
                    case (.accept(_, _, let completion), .accepted(let accepted)): completion(.success(accepted))
                    case (.complete(_, let continuation), .completed): continuation.resume()
                    case (.claim(_, _, _, let continuation), .claimed(let claimed)): continuation.resume(with: claimed)
                    default: preconditionFailure("a write's result does not match its kind")
                    }
                }
            } catch {
                logger.error(
                    "store commit failed; deliveries in this batch are refused with 503",
                    metadata: ["acuhook.store.batch": "\(batch.count)", "acuhook.error": "\(error)"]
                )
                let failure = StoreError(.unavailable, "the store could not commit", underlying: error)
                for item in batch { item.fail(failure) }
            }
            scheduleBackgroundCheckpoint()
        }
    }

    /// Runs `body` in one transaction, begun and committed through cached statements. (GRDB's
    /// `write` parses its `BEGIN` and `COMMIT` anew on every call: an eighth of the writer
    /// thread's time under `Benchmarks/receive.sh`.) `IMMEDIATE`: the write lock is taken at
    /// the start, waiting up to the busy timeout for another process (the CLI) holding it.
    private static func transaction<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try BoundStatement("BEGIN IMMEDIATE", in: db).run([])
        do {
            let value = try body()
            try BoundStatement("COMMIT", in: db).run([])
            return value
        } catch {
            if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
            throw error
        }
    }

    /// The group commit window (see ``Configuration/commitDelay``): on the writer thread, waits
    /// while the last commit was shared and fewer than the target writes wait, until the window
    /// ends or the write that completes the target signals it. (Polling with `usleep` instead
    /// cost the writer a wake-up every 100 µs: 5 % of its time under `Benchmarks/receive.sh`.)
    private func waitForCompany() {
        let delay = configuration.commitDelay
        guard delay > .zero else { return }
        let target = min(configuration.commitDelayTarget, configuration.maxBatch)
        let (waiting, last, lastAt) = queue.withLock { ($0.pending.count, $0.lastBatch, $0.lastBatchAt) }
        // Only while busy: the last commit was shared and recent.
        guard last > 1, waiting < target, lastAt.duration(to: .now) < .milliseconds(10) else { return }
        let deadline = DispatchTime.now() + .nanoseconds(Int(delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000))
        while true {
            let full = queue.withLock { queue -> Bool in
                queue.windowTarget = queue.pending.count < target ? target : 0
                return queue.windowTarget == 0
            }
            // A signal left over from an earlier window ends a wait early; the loop checks again.
            if full || windowFull.wait(timeout: deadline) == .timedOut { break }
        }
        queue.withLock { $0.windowTarget = 0 }
    }

    /// Starts a PASSIVE checkpoint on the second connection, at most once per interval.
    private func scheduleBackgroundCheckpoint() {
        guard let interval = configuration.backgroundCheckpointInterval else { return }
        let start = checkpointState.withLock { state -> Bool in
            guard !state.running, state.last.duration(to: .now) > interval else { return false }
            state.running = true
            return true
        }
        guard start else { return }
        checkpointThread.submit { [self] in
            // Busy (the writer's own checkpoint runs) is fine: that one does the work.
            _ = try? checkpointer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
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
                        SELECT \(Schema.eventColumns)
                        FROM events e JOIN deliveries d ON d.id = e.delivery_id
                        WHERE e.id > ? ORDER BY e.id LIMIT ?
                        """,
                    arguments: [afterID, limit]
                ).map { Schema.storedEvent($0) }
            }
        } catch {
            throw StoreError(.unavailable, "cannot read events", underlying: error)
        }
    }

    /// Leases, per plugin, up to its number of due jobs for `lease` (a dead dispatcher's jobs
    /// return after it). Plugins not named are left alone: their jobs wait in the store.
    public func claimJobs(perPlugin limits: [String: Int], lease: Duration, nowUnixMilliseconds: Int64) async throws(StoreError) -> [ClaimedJob] {
        // Shares the next group commit with deliveries and outcomes (no transaction of its own).
        let leaseMs = lease.components.seconds * 1000 + lease.components.attoseconds / 1_000_000_000_000_000
        do {
            return try await withCheckedThrowingContinuation { continuation in
                enqueue(.claim(limits, lease: leaseMs, now: nowUnixMilliseconds, continuation))
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "cannot claim jobs", underlying: error)
        }
    }

    /// Leases up to `limit` due jobs for `lease` (a dead dispatcher's jobs return after it),
    /// leaving those of the `excluding` plugins (open breakers) in the queue.
    public func claimJobs(limit: Int, lease: Duration, nowUnixMilliseconds: Int64, excluding: Set<String> = []) async throws(StoreError) -> [ClaimedJob] {
        let leaseMs = lease.components.seconds * 1000 + lease.components.attoseconds / 1_000_000_000_000_000
        do {
            return try await withCheckedThrowingContinuation { continuation in
                writer.submit { [pool] in
                    continuation.resume(with: Result { try pool.write { db in try Schema.claim(now: nowUnixMilliseconds, limit: limit, leaseMilliseconds: leaseMs, excluding: excluding, in: db) } })
                }
            }
        } catch {
            throw StoreError(.unavailable, "cannot claim jobs", underlying: error)
        }
    }

    /// Gives claimed jobs back (pending, due now, lease dropped) without counting an attempt:
    /// the dispatcher does this at shutdown for jobs it claimed but never started.
    public func release(_ jobIDs: [Int64], nowUnixMilliseconds: Int64) async throws(StoreError) {
        guard !jobIDs.isEmpty else { return }
        do {
            try await pool.write { db in
                for chunk in stride(from: 0, to: jobIDs.count, by: 500).map({ Array(jobIDs[$0..<min(jobIDs.count, $0 + 500)]) }) {
                    try db.execute(
                        sql: """
                            UPDATE jobs SET state = 'pending', lease_until = NULL, due_at = MIN(due_at, ?), updated_at = ?
                            WHERE state = 'running' AND id IN (\(chunk.map { _ in "?" }.joined(separator: ",")))
                            """,
                        arguments: [nowUnixMilliseconds, nowUnixMilliseconds] + StatementArguments(chunk)
                    )
                }
            }
        } catch {
            throw StoreError(.unavailable, "cannot release claimed jobs", underlying: error)
        }
    }

    /// Dead-lettered jobs matching `filter`, oldest first, with every attempt.
    public func deadLetters(_ filter: DeadLetterFilter = DeadLetterFilter(), limit: Int = 1000) async throws(StoreError) -> [DeadLetter] {
        do {
            return try await pool.read { db in try Schema.deadLetters(filter, limit: limit, in: db) }
        } catch {
            throw StoreError(.unavailable, "cannot read the dead-letter queue", underlying: error)
        }
    }

    /// Puts matching dead letters back in the queue with a fresh attempt budget (their history is
    /// kept). Returns how many.
    ///
    /// The matching jobs are chosen once, up front, then replayed `batchSize` at a time, each batch
    /// in its own short transaction so a large replay never holds the writer for long;
    /// `progress(done, total)` is called after each batch. A job that left the queue meanwhile
    /// (purged, or replayed by someone else) is not counted.
    public func replay(
        _ filter: DeadLetterFilter,
        nowUnixMilliseconds: Int64,
        batchSize: Int = 500,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) async throws(StoreError) -> Int {
        let (condition, arguments) = Schema.deadLetterWhere(filter)
        let ids: [Int64]
        do {
            ids = try await pool.read { db in
                try Int64.fetchAll(db, sql: "SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id WHERE \(condition) ORDER BY j.id", arguments: arguments)
            }
        } catch {
            throw StoreError(.unavailable, "cannot read the dead-letter queue", underlying: error)
        }
        var replayed = 0
        var start = 0
        progress(0, ids.count)
        while start < ids.count {
            let batch = Array(ids[start..<min(ids.count, start + max(1, batchSize))])
            do {
                replayed += try await pool.write { db in
                    try db.execute(
                        sql: """
                            UPDATE jobs SET state = 'pending', attempts = 0, due_at = ?, dead_reason = NULL, last_delay_ms = NULL, updated_at = ?
                            WHERE state = 'dead' AND id IN (\(batch.map { _ in "?" }.joined(separator: ",")))
                            """,
                        arguments: [nowUnixMilliseconds, nowUnixMilliseconds] + StatementArguments(batch)
                    )
                    return db.changesCount
                }
            } catch {
                throw StoreError(.unavailable, "cannot replay dead letters (\(replayed) replayed before the failure)", underlying: error)
            }
            start += batch.count
            progress(start, ids.count)
        }
        return replayed
    }

    /// Deletes matching dead letters and their attempts. Returns how many.
    public func purge(_ filter: DeadLetterFilter) async throws(StoreError) -> Int {
        let (condition, arguments) = Schema.deadLetterWhere(filter)
        do {
            return try await pool.write { db in
                let selection = "SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id WHERE \(condition)"
                try db.execute(sql: "DELETE FROM job_attempts WHERE job_id IN (\(selection))", arguments: arguments)
                try db.execute(sql: "DELETE FROM jobs WHERE id IN (\(selection))", arguments: arguments)
                return db.changesCount
            }
        } catch {
            throw StoreError(.unavailable, "cannot purge the dead-letter queue", underlying: error)
        }
    }

    /// Jobs per state (`pending`, `running`, `done`, `skipped`, `dead`), for operators and tests.
    public func jobCounts() async throws -> [String: Int] {
        try await pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM jobs GROUP BY state").map { ($0[0], $0[1]) })
        }
    }

    /// Every runtime override, and the version they are at (bumped by every change).
    public func overrides() async throws(StoreError) -> (version: Int64, overrides: [RuntimeOverride]) {
        do {
            return try await pool.read { db in
                let version = Int64(try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'overrides_version'") ?? "0") ?? 0
                let rows = try Row.fetchAll(db, sql: "SELECT kind, plugin, pattern, value FROM overrides ORDER BY kind, plugin, pattern")
                let overrides = rows.compactMap { row -> RuntimeOverride? in
                    let (kind, plugin, pattern, value): (String, String, String, String) = (row[0], row[1], row[2], row[3])
                    switch kind {
                    case "route": return .route(plugin: plugin, pattern: pattern, enabled: value == "enable")
                    case "breaker": return HeldBreakerState(rawValue: value).map { .breaker(plugin: plugin, state: $0) }
                    case "reset": return Int64(value).map { .breakerReset(plugin: plugin, atUnixMilliseconds: $0) }
                    default: return nil
                    }
                }
                return (version, overrides)
            }
        } catch {
            throw StoreError(.unavailable, "cannot read runtime overrides", underlying: error)
        }
    }

    /// The overrides' version alone (cheap; a running server polls it).
    public func overridesVersion() async throws(StoreError) -> Int64 {
        do {
            return try await pool.read { db in
                Int64(try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'overrides_version'") ?? "0") ?? 0
            }
        } catch {
            throw StoreError(.unavailable, "cannot read runtime overrides", underlying: error)
        }
    }

    /// Stores `override`, replacing one for the same plugin and pattern (or breaker).
    public func setOverride(_ override: RuntimeOverride, nowUnixMilliseconds: Int64) async throws(StoreError) {
        let (kind, pattern, value): (String, String, String)
        switch override {
        case .route(_, let p, let enabled): (kind, pattern, value) = ("route", p, enabled ? "enable" : "disable")
        case .breaker(_, let state): (kind, pattern, value) = ("breaker", "", state.rawValue)
        case .breakerReset(_, let at): (kind, pattern, value) = ("reset", "", String(at))
        }
        try await changeOverrides { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO overrides (kind, plugin, pattern, value, updated_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [kind, override.plugin, pattern, value, nowUnixMilliseconds]
            )
        }
    }

    /// Removes the breaker override of `plugin` and records a reset request (so a running server
    /// also closes a breaker that failures opened); returns whether an override existed.
    @discardableResult
    public func resetBreaker(plugin: String, nowUnixMilliseconds: Int64) async throws(StoreError) -> Bool {
        try await changeOverrides { db in
            try db.execute(sql: "DELETE FROM overrides WHERE kind = 'breaker' AND plugin = ?", arguments: [plugin])
            let existed = db.changesCount > 0
            try db.execute(
                sql: "INSERT OR REPLACE INTO overrides (kind, plugin, pattern, value, updated_at) VALUES ('reset', ?, '', ?, ?)",
                arguments: [plugin, String(nowUnixMilliseconds), nowUnixMilliseconds]
            )
            return existed
        }
    }

    /// Removes route overrides of `plugin` (for `pattern`, or all); returns how many.
    @discardableResult
    public func removeRouteOverrides(plugin: String, pattern: String? = nil) async throws(StoreError) -> Int {
        try await changeOverrides { db in
            if let pattern {
                try db.execute(sql: "DELETE FROM overrides WHERE kind = 'route' AND plugin = ? AND pattern = ?", arguments: [plugin, pattern])
            } else {
                try db.execute(sql: "DELETE FROM overrides WHERE kind = 'route' AND plugin = ?", arguments: [plugin])
            }
            return db.changesCount
        }
    }

    private func changeOverrides<T: Sendable>(_ change: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.write { db in
                let result = try change(db)
                try db.execute(sql: "UPDATE store_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'overrides_version'")
                return result
            }
        } catch {
            throw StoreError(.unavailable, "cannot change runtime overrides", underlying: error)
        }
    }

    /// Counts rows in a table (for tests and operators).
    public func count(_ table: String) async throws -> Int {
        precondition(["deliveries", "events", "idempotency_keys", "jobs", "job_attempts"].contains(table))
        return try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }
}
