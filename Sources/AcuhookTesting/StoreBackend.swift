import AcuhookCore
import AcuhookPostgres
import AcuhookSQLite
import AcuhookStore
import CoreMetrics
import Foundation
import Logging

/// A store the tests can look inside: row counts and job rows, read on the side.
public protocol InspectableStore: EventStore {
    /// Rows in `table` (deliveries, events, idempotency_keys, jobs, job_attempts).
    func count(_ table: String) async throws -> Int
    /// Every job, oldest first, as stored.
    func jobRows() async throws -> [StoredJobRow]
}

/// One job row as stored, for tests that check how jobs were scheduled.
public struct StoredJobRow: Sendable, Equatable {
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

    /// A row.
    public init(id: Int64, eventType: String, plugin: String, state: JobState, dueAtUnixMilliseconds: Int64, receivedAtUnixMilliseconds: Int64, lane: String?, debounceKey: String?) {
        self.id = id
        self.eventType = eventType
        self.plugin = plugin
        self.state = state
        self.dueAtUnixMilliseconds = dueAtUnixMilliseconds
        self.receivedAtUnixMilliseconds = receivedAtUnixMilliseconds
        self.lane = lane
        self.debounceKey = debounceKey
    }
}

/// The store implementations the contract tests run against: SQLite always, PostgreSQL when
/// `ACUHOOK_TEST_DATABASE_URL` names a server (scripts/test.sh starts a throwaway one).
public enum StoreBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    /// A SQLite file in a new temporary folder.
    case sqlite
    /// A new schema in the test database.
    case postgres

    /// The test database, if there is one.
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["ACUHOOK_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The backends this run can test: PostgreSQL only with a test database.
    public static var available: [StoreBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// Its name.
    public var description: String { rawValue }

    /// A place for a new, empty store of this kind, opened by ``StorePlace/open(wallClock:metricsFactory:)``
    /// as often as a test likes (reopening is a restart).
    public func place() throws -> StorePlace {
        switch self {
        case .sqlite:
            return StorePlace(backend: self, location: try FixturePlugins.temporaryDirectory().appendingPathComponent("data/acuhook.db").path)
        case .postgres:
            guard let url = Self.postgresURL else { throw StoreError(.unavailable, "no test database (ACUHOOK_TEST_DATABASE_URL is not set)") }
            var settings = try PostgresSettings(url: url)
            settings.schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
            return StorePlace(backend: self, location: url, postgres: settings)
        }
    }

    /// A new, empty store of this kind.
    public func open(wallClock: any WallClock = SystemWallClock(), metricsFactory: any MetricsFactory = MetricsSystem.factory) async throws -> any InspectableStore {
        try await place().open(wallClock: wallClock, metricsFactory: metricsFactory)
    }
}

/// Where one test's store lives.
public struct StorePlace: Sendable {
    /// Its kind.
    public let backend: StoreBackend
    /// The SQLite file, or the server's URL.
    public let location: String
    /// The PostgreSQL settings (with the test's own schema).
    public var postgres: PostgresSettings?

    init(backend: StoreBackend, location: String, postgres: PostgresSettings? = nil) {
        self.backend = backend
        self.location = location
        self.postgres = postgres
    }

    /// The `store.url` naming it (PostgreSQL): the test database's URL with the test's schema.
    public var url: String? {
        postgres.map { location + (location.contains("?") ? "&" : "?") + "schema=\($0.schema)" }
    }

    /// The settings a configuration file would give for it.
    public var settings: StoreSettings {
        var settings = StoreSettings()
        settings.path = location
        settings.postgres = postgres
        return settings
    }

    /// Opens the store here (creating it the first time).
    public func open(wallClock: any WallClock = SystemWallClock(), metricsFactory: any MetricsFactory = MetricsSystem.factory) async throws -> any InspectableStore {
        let logger = Logger(label: "test")
        if let postgres {
            return try await PostgresEventStore.open(postgres, wallClock: wallClock, logger: logger, metricsFactory: metricsFactory)
        }
        return try SQLiteEventStore(configuration: .init(path: location), wallClock: wallClock, logger: logger, metricsFactory: metricsFactory)
    }
}

extension JobQueue {
    /// Leases up to `limit` due jobs of each of `plugins`, the way the dispatcher claims them.
    public func claimJobs(plugins: [String], limit: Int, lease: Duration, nowUnixMilliseconds: Int64) async throws(StoreError) -> [ClaimedJob] {
        try await claimJobs(perPlugin: Dictionary(uniqueKeysWithValues: plugins.map { ($0, limit) }), lease: lease, nowUnixMilliseconds: nowUnixMilliseconds)
    }
}
