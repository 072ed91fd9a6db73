import AcuhookCore
import AcuhookPostgres
import AcuhookSQLite
import AcuhookStore
import CoreMetrics
import Foundation
import Logging

/// Opens the store the configuration names: PostgreSQL for `store.url`, else the SQLite file at
/// `store.path`. The application and every command go through here; none names an
/// implementation elsewhere.
public enum StoreOpener {
    /// The store, with what it must run (PostgreSQL's pool) running until its `close()`; a
    /// failure is an ``ApplicationError`` carrying the store's own message (it names the file,
    /// or the server, and what to do).
    public static func open(_ settings: StoreSettings, logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory) async throws -> any EventStore {
        try await make(settings, running: true, logger: logger, metricsFactory: metricsFactory)
    }

    /// As ``open(_:logger:metricsFactory:)``, but nothing runs yet: the caller runs the store's
    /// `services` first in its service group.
    public static func connect(_ settings: StoreSettings, logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory) async throws -> any EventStore {
        try await make(settings, running: false, logger: logger, metricsFactory: metricsFactory)
    }

    private static func make(_ settings: StoreSettings, running: Bool, logger: Logger, metricsFactory: any MetricsFactory) async throws -> any EventStore {
        do {
            if let postgres = settings.postgres {
                return running
                    ? try await PostgresEventStore.open(postgres, logger: logger, metricsFactory: metricsFactory)
                    : try await PostgresEventStore.connect(postgres, logger: logger, metricsFactory: metricsFactory)
            }
            return try SQLiteEventStore(configuration: .init(settings), logger: logger, metricsFactory: metricsFactory)
        } catch {
            throw ApplicationError("\(error)")
        }
    }

    /// The store for a command that works on an existing installation: as ``open(_:logger:metricsFactory:)``,
    /// but a SQLite file that does not exist is an error (`no store at …`), not a new empty store.
    public static func openExisting(_ settings: StoreSettings, logger: Logger) async throws -> any EventStore {
        if settings.postgres == nil, !FileManager.default.fileExists(atPath: settings.path) {
            throw ApplicationError("no store at \(settings.path)")
        }
        return try await open(settings, logger: logger)
    }

    /// Runs `body` with the store, closing it after (PostgreSQL's pool stops).
    public static func with<T>(_ settings: StoreSettings, existing: Bool = true, logger: Logger, _ body: (any EventStore) async throws -> T) async throws -> T {
        let store = existing ? try await openExisting(settings, logger: logger) : try await open(settings, logger: logger)
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}

extension DefaultSettings {
    /// `ACUHOOK_DATABASE_URL`, when set, makes the defaults use that PostgreSQL database.
    public static func applyDatabaseURL(to store: inout StoreSettings) throws {
        guard let url = ProcessInfo.processInfo.environment["ACUHOOK_DATABASE_URL"], !url.isEmpty else { return }
        do {
            store.postgres = try PostgresSettings(url: url)
        } catch {
            throw ApplicationError("ACUHOOK_DATABASE_URL: \(error)")
        }
    }
}
