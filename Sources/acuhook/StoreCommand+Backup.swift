import AcuhookConfig
import AcuhookSQLite
import AcuhookStore
import ArgumentParser
import Foundation

extension StoreCommand {
    /// `acuhook store backup PATH`: a consistent copy of the SQLite store, while serving.
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the SQLite store to a new file, consistently, while acuhook serve keeps running.",
            discussion: """
                Uses SQLite's online backup API: the copy is the store as of one moment, written \
                beside PATH and renamed into place, and checked before it is kept. PATH must not exist. \
                A PostgreSQL store is backed up with pg_dump (docs/operations.md, Backups).
                """
        )

        @Argument(help: "The backup file to write (must not exist).")
        var path: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let store = try sqlitePath(try options.loadConfiguration(), verb: "back up")
            do {
                let report = try SQLiteStoreFile.backup(store: store, to: path)
                print("backed up \(store) to \(report.path) (\(ByteCountFormatter.string(fromByteCount: report.bytes, countStyle: .file)))")
            } catch {
                throw CommandFailure("\(error)")
            }
        }
    }

    /// `acuhook store restore PATH`: puts a backup back, with the server stopped.
    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a backup in place of the SQLite store (acuhook serve must be stopped).",
            discussion: """
                Refused while any process has the store open. The backup is checked first (intact, an \
                acuhook store, not from a newer version). The store it replaces is kept beside it as \
                <store>.before-restore-<time>. A backup from an older version is brought up to date \
                at the next start.
                """
        )

        @Argument(help: "The backup file (from acuhook store backup).")
        var path: String

        @OptionGroup var options: CommonOptions

        func run() throws {
            let store = try sqlitePath(try options.loadConfiguration(), verb: "restore")
            do {
                let report = try SQLiteStoreFile.restore(from: path, to: store)
                print("restored \(path) to \(report.path)" + (report.previous.map { "; the store that was there is kept as \($0)" } ?? ""))
            } catch {
                throw CommandFailure("\(error)")
            }
        }
    }
}

/// The SQLite file the configuration's store is, or why these commands do not apply.
private func sqlitePath(_ configuration: AcuhookSettings, verb: String) throws -> String {
    if let postgres = configuration.store.postgres {
        throw CommandFailure(
            "the store is the PostgreSQL database \(postgres.displayURL): \(verb) it with pg_dump / pg_restore (docs/operations.md, Backups)"
        )
    }
    return configuration.store.path
}

/// A command that could not do its work: ArgumentParser prints `Error: <description>` (no usage
/// text, which is for mistakes in the arguments) and exits 1.
struct CommandFailure: Error, CustomStringConvertible {
    /// What went wrong and what to do.
    let description: String

    init(_ description: String) { self.description = description }
}
