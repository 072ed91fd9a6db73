import AcuhookConfig
import AcuhookPostgres
import AcuhookSQLite
import AcuhookStore
import ArgumentParser
import Foundation
import Logging

/// `acuhook store copy --from <sqlite file> --to <postgres url>`: moves an installation.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Work on the store itself.",
        subcommands: [Backup.self, Restore.self, Copy.self]
    )

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copy a SQLite store into a PostgreSQL database: deliveries, events, jobs, the dead-letter queue, overrides and idempotency keys.",
            discussion: """
                Stop 'acuhook serve' on the SQLite store first. Ids are kept; jobs that were running \
                are copied as pending. Running it again resumes where it stopped and never copies a \
                row twice. Then point store.url at the database and start the instances.
                """
        )

        @Option(help: "The SQLite store file.") var from: String
        @Option(help: "The PostgreSQL URL (postgres://user@host:port/database; ${NAME} reads an environment variable).") var to: String
        @Option(help: "Rows per statement.") var batch: Int = 500

        func validate() throws {
            guard batch > 0, batch <= 5_000 else { throw ValidationError("--batch must be 1 to 5000") }
        }

        func run() async throws {
            let logger = Logger(label: "acuhook") { _ in SwiftLogNoOpLogHandler() }
            guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("no store at \(from)") }
            let url: String
            switch EnvironmentText.expand(to, environment: ProcessInfo.processInfo.environment) {
            case .success(let text): url = text
            case .failure(let missing): throw ValidationError("--to: environment variable \(missing.name) is not set")
            }
            let target: PostgresSettings
            do {
                target = try PostgresSettings(url: url)
            } catch {
                throw ValidationError("--to: \(error)")
            }
            let source: SQLiteEventStore
            do {
                source = try SQLiteEventStore(configuration: .init(path: from), logger: logger)
            } catch {
                throw ValidationError("\(error)")
            }
            let destination: PostgresEventStore
            do {
                destination = try await PostgresEventStore.open(target, logger: logger)
            } catch {
                throw ValidationError("\(error)")
            }
            do {
                let (copied, skipped) = try await copy(from: source, to: destination)
                await destination.close()
                print("copied \(copied) row(s) from \(from) to \(target.displayURL)" + (skipped > 0 ? " (\(skipped) already there)" : ""))
            } catch {
                await destination.close()
                throw error
            }
        }

        /// Every table in order, batch by batch, resuming after what the target has.
        func copy(from source: some StoreCopySource, to target: some StoreCopyTarget) async throws -> (copied: Int, skipped: Int) {
            let counts = try await source.rowCounts()
            let total = counts.values.reduce(0, +)
            let bar = ProgressBar(label: "copying")
            var done = 0
            var (copied, skipped) = (0, 0)
            for table in StoreCopy.Table.allCases {
                var cursor = try await target.resumePoint(table)
                if case .integer(let reached)? = cursor, reached > (try await source.lastKey(table) ?? 0) {
                    // Rows the SQLite store never had: an instance has written here already.
                    throw ValidationError(
                        "the database already has \(table.rawValue) the SQLite store does not (ids up to \(reached)): an instance is using it; copy only into a database no instance has written to"
                    )
                }
                if cursor != nil {
                    // Rows up to the resume point are there already: count them as done.
                    let before = try await source.exportCount(table, upTo: cursor)
                    done += before
                    skipped += before
                }
                while true {
                    let batch = try await source.exportRows(table, after: cursor, limit: batch)
                    guard let last = batch.last else { break }
                    let added = try await target.importRows(batch)
                    copied += added
                    skipped += batch.rows.count - added
                    done += batch.rows.count
                    cursor = last
                    bar.update(done: min(done, total), total: total)
                }
            }
            try await target.finishImport()
            bar.update(done: total, total: total)
            bar.finish()
            return (copied, skipped)
        }
    }
}
