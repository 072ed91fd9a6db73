import AcuhookCore
import AcuhookPostgres
import AcuhookSQLite
import AcuhookStore
import ArgumentParser
import CoreMetrics
import Foundation
import Logging

/// Opens the store the configuration names: PostgreSQL for `store.url`, else the SQLite file at
/// `store.path`. Every command goes through here; none names an implementation elsewhere.
enum StoreOpener {
    /// The store; a failure is a `ValidationError` carrying the store's own message (it names
    /// the file, or the server, and what to do).
    static func open(_ settings: StoreSettings, logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory) async throws -> any EventStore {
        do {
            if let postgres = settings.postgres {
                return try await PostgresEventStore.open(postgres, logger: logger, metricsFactory: metricsFactory)
            }
            return try SQLiteEventStore(configuration: .init(settings), logger: logger, metricsFactory: metricsFactory)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The store for a command that works on an existing installation: as ``open(_:logger:metricsFactory:)``,
    /// but a SQLite file that does not exist is an error (`no store at …`), not a new empty store.
    static func openExisting(_ settings: StoreSettings, logger: Logger) async throws -> any EventStore {
        if settings.postgres == nil, !FileManager.default.fileExists(atPath: settings.path) {
            throw ValidationError("no store at \(settings.path)")
        }
        return try await open(settings, logger: logger)
    }

    /// Runs `body` with the store, closing it after (PostgreSQL's pool stops).
    static func with<T>(_ settings: StoreSettings, existing: Bool = true, logger: Logger, _ body: (any EventStore) async throws -> T) async throws -> T {
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

extension DefaultConfiguration {
    /// `ACUHOOK_DATABASE_URL`, when set, makes the defaults use that PostgreSQL database.
    static func applyDatabaseURL(to store: inout StoreSettings) throws {
        guard let url = ProcessInfo.processInfo.environment["ACUHOOK_DATABASE_URL"], !url.isEmpty else { return }
        do {
            store.postgres = try PostgresSettings(url: url)
        } catch {
            throw ValidationError("ACUHOOK_DATABASE_URL: \(error)")
        }
    }
}
