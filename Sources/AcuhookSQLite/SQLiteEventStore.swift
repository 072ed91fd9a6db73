import AcuhookStore
import AcuhookCore
import CoreMetrics
import Foundation
import GRDB
import Logging

/// The store in one SQLite file (WAL mode, via GRDB), for one machine.
///
/// Writes on the hot paths — deliveries, job outcomes and the dispatcher's claims — share
/// commits through the ``GroupCommitWriter``, on a thread of the store's own. Operator writes
/// (dead-letter replays and purges, overrides, key expiry) are rare and take GRDB's own write
/// path; SQLite serialises them with the writer.
///
/// The WAL is checkpointed by SQLite's automatic `PASSIVE` checkpoint on the writer once it
/// holds ``Configuration/checkpointPages`` pages, helped by background checkpoints on a second
/// connection; ``Configuration/walSizeLimitBytes`` truncates the file when it starts over.
///
/// The concerns live in one file each: `+Inbox`, `+Jobs`, `+DeadLetters`, `+Overrides`.
public final class SQLiteEventStore: EventStore {
    /// The database file.
    public let path: String
    let pool: DatabasePool
    let writer: GroupCommitWriter
    let fileGuard: StoreFileGuard
    /// Tells `acuhook store restore` that this process has the store open.
    let useLock: StoreUseLock
    let wallClock: any WallClock
    let logger: Logger
    let metricsFactory: any MetricsFactory

    /// Opens (creating if needed) and migrates the database. Commit metrics are made by
    /// `metricsFactory` (see ``StoreMetrics``).
    public init(
        configuration: Configuration,
        wallClock: any WallClock = SystemWallClock(),
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws(StoreError) {
        self.path = configuration.path
        self.wallClock = wallClock
        self.logger = logger
        self.metricsFactory = metricsFactory
        do {
            let folder = URL(fileURLWithPath: configuration.path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            useLock = try StoreUseLock(store: configuration.path)
            var grdb = GRDB.Configuration()
            grdb.busyMode = .timeout(Double(configuration.busyTimeout.wholeMilliseconds) / 1000)
            let synchronous = configuration.synchronous.rawValue
            let (pages, limit) = (configuration.checkpointPages, configuration.walSizeLimitBytes)
            let maxPages = configuration.maxSizeBytes.map { max(16, $0 / 4096) }
            grdb.prepareDatabase { db in
                if let maxPages { try db.execute(sql: "PRAGMA max_page_count = \(maxPages)") }
                try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(pages)")
                try db.execute(sql: "PRAGMA journal_size_limit = \(limit)")
            }
            if !FileManager.default.fileExists(atPath: configuration.path) {
                // A new file records `auto_vacuum` with its first table, before WAL mode (which
                // the pool sets) writes its header: freed pages can then be given back.
                try DatabaseQueue(path: configuration.path).writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL; CREATE TABLE store_created (x); DROP TABLE store_created")
                }
            }
            pool = try DatabasePool(path: configuration.path, configuration: grdb)
            try Schema.migrator.migrate(pool)
            let checkpointer = try DatabaseQueue(path: configuration.path, configuration: grdb)
            let fileGuard = StoreFileGuard(path: configuration.path, logger: logger)
            self.fileGuard = fileGuard
            writer = GroupCommitWriter(
                pool: pool, checkpointer: checkpointer, configuration: configuration, wallClock: wallClock, logger: logger,
                metrics: StoreMetrics(factory: metricsFactory), fileGuard: fileGuard
            )
        } catch {
            throw StoreError(.unavailable, "cannot open the SQLite store at \(configuration.path)", underlying: error)
        }
    }

    /// The database file.
    public var location: String { path }

    /// Runs `body` on GRDB's writer connection; any failure becomes a ``StoreError`` saying `what`.
    func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        if let problem = fileGuard.problem() { throw StoreError(.unavailable, "\(what): \(problem)") }
        do {
            return try await pool.write(body)
        } catch {
            throw StoreError(.unavailable, what, underlying: error)
        }
    }

    /// Runs `body` on a reader connection; any failure becomes a ``StoreError`` saying `what`.
    func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw StoreError(.unavailable, what, underlying: error)
        }
    }

    /// Runs `perform` in the next shared commit and returns its value once that commit is durable.
    func shared<T: Sendable>(_ perform: @escaping @Sendable (Database, inout GroupCommitBatch) throws -> T) async throws(StoreError) -> T {
        try await withUnsafeContinuation { continuation in
            writer.enqueue(SharedWrite(perform) { continuation.resume(returning: $0) })
        }.get()
    }
}
