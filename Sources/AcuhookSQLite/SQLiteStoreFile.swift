import AcuhookStore
import Foundation
import GRDB

/// Backups of a SQLite store, and putting one back.
///
/// A backup is SQLite's online backup API over one read transaction: a consistent copy even
/// while `acuhook serve` writes (WAL readers do not stop the writer). It is written beside its
/// destination and renamed into place, in rollback-journal mode, so it is one self-contained file.
public enum SQLiteStoreFile {
    /// What a backup or restore did.
    public struct Report: Sendable, Equatable {
        /// The file written.
        public var path: String
        /// Its size in bytes.
        public var bytes: Int64
        /// On restore: where the store that was there before was moved (kept, never deleted).
        public var previous: String?
    }

    /// Copies the store at `store` to `destination`, which must not exist.
    public static func backup(store: String, to destination: String) throws(StoreError) -> Report {
        guard FileManager.default.fileExists(atPath: store) else { throw StoreError(.unavailable, "no store at \(store)") }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError(.unavailable, "\(destination) exists; give a new file name (a backup never overwrites)")
        }
        let partial = destination + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            var configuration = GRDB.Configuration()
            configuration.busyMode = .timeout(10)
            let source = try DatabaseQueue(path: store, configuration: configuration)
            let copy = try DatabaseQueue(path: partial)
            try source.backup(to: copy)
            try copy.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                try check(db, what: "the copy")
            }
            try copy.close()
            try source.close()
            try durableRename(partial, to: destination)
        } catch let error as StoreError {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw StoreError(.unavailable, "cannot back up \(store) to \(destination)", underlying: error)
        }
        return Report(path: destination, bytes: size(of: destination), previous: nil)
    }

    /// Puts the backup at `backup` in place of the store at `store`. Refused while any process
    /// has that store open (`acuhook serve` above all). The store that was there is moved aside
    /// to `<store>.before-restore-<UTC time>` (with its WAL), never deleted.
    public static func restore(from backup: String, to store: String, now: Date = Date()) throws(StoreError) -> Report {
        guard FileManager.default.fileExists(atPath: backup) else { throw StoreError(.unavailable, "no backup at \(backup)") }
        do {
            let queue = try DatabaseQueue(path: backup, configuration: { var c = GRDB.Configuration(); c.readonly = true; return c }())
            try queue.read { db in try check(db, what: backup) }
            try queue.close()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.invalid, "\(backup) is not a usable acuhook store", underlying: error)
        }
        let folder = Self.folder(of: store)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let report = try StoreUseLock.withExclusive(store: store) { () throws -> Report in
                var previous: String?
                let files = FileManager.default
                if files.fileExists(atPath: store) {
                    let stamp = ISO8601DateFormatter.string(from: now, timeZone: .gmt, formatOptions: [.withYear, .withMonth, .withDay, .withTime])
                    let aside = "\(store).before-restore-\(stamp)"
                    try files.moveItem(atPath: store, toPath: aside)
                    if files.fileExists(atPath: store + "-wal") { try files.moveItem(atPath: store + "-wal", toPath: aside + "-wal") }
                    try? files.removeItem(atPath: store + "-shm")
                    previous = aside
                }
                let restoring = store + ".restoring"
                try? files.removeItem(atPath: restoring)
                try files.copyItem(atPath: backup, toPath: restoring)
                // The restored file belongs to whoever owned the store (or its folder), not to the
                // operator running this as root: the service must still write it.
                var owner = stat()
                if geteuid() == 0, stat(previous ?? folder, &owner) == 0 {
                    _ = chown(restoring, owner.st_uid, owner.st_gid)
                    _ = chmod(restoring, owner.st_mode & 0o666)
                }
                try durableRename(restoring, to: store)
                return Report(path: store, bytes: size(of: store), previous: previous)
            }
            guard let report else {
                throw StoreError(.unavailable, "the store \(store) is open in another process (acuhook serve?): stop it, then restore")
            }
            return report
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "cannot restore \(backup) to \(store)", underlying: error)
        }
    }

    /// Whether `acuhook serve` could use the store at `store` (`acuhook check`), without changing
    /// it: an existing file must be an acuhook store of a schema this build knows, whose write
    /// lock can be taken; a missing one needs a folder that can be made and written. Returns a
    /// line saying what was found.
    public static func probe(store: String) throws(StoreError) -> String {
        let files = FileManager.default
        guard files.fileExists(atPath: store) else {
            // The nearest folder that exists: the store's own is made at first start.
            var folder = Self.folder(of: store)
            while folder != ".", folder != "/", !files.fileExists(atPath: folder) { folder = Self.folder(of: folder) }
            var isFolder: ObjCBool = false
            guard files.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue,
                  files.isWritableFile(atPath: folder)
            else {
                throw StoreError(.unavailable, "no store at \(store), and \(folder) is not a writable folder: it cannot be created")
            }
            return "no store yet at \(store); it will be created at first start"
        }
        let folder = Self.folder(of: store)
        guard files.isWritableFile(atPath: store), files.isWritableFile(atPath: folder) else {
            throw StoreError(.unavailable, "\(store) or its folder is not writable by this user")
        }
        do {
            var configuration = GRDB.Configuration()
            configuration.busyMode = .timeout(5)
            let queue = try DatabaseQueue(path: store, configuration: configuration)
            defer { try? queue.close() }
            let migrations = try queue.writeWithoutTransaction { db -> Int in
                guard try db.tableExists("store_meta") else { throw StoreError(.invalid, "\(store) is not an acuhook store (no store_meta table)") }
                guard try !Schema.migrator.hasBeenSuperseded(db) else {
                    throw StoreError(.invalid, "\(store) was written by a newer acuhook; this build cannot open it")
                }
                // Takes the write lock and gives it back: the file system and the locks allow writes.
                try db.execute(sql: "BEGIN IMMEDIATE; ROLLBACK")
                return try Schema.migrator.appliedIdentifiers(db).count
            }
            let known = Schema.migrator.migrations.count
            return "\(store): \(ByteCountFormatter.string(fromByteCount: size(of: store), countStyle: .file)), writable"
                + (migrations < known ? "; \(known - migrations) schema step(s) to apply at start" : "")
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "cannot open \(store)", underlying: error)
        }
    }

    /// An acuhook store, intact, of a schema this build knows.
    private static func check(_ db: Database, what: String) throws {
        let integrity = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? "no answer"
        guard integrity == "ok" else { throw StoreError(.invalid, "\(what) is damaged: \(integrity)") }
        guard try db.tableExists("store_meta") else { throw StoreError(.invalid, "\(what) is not an acuhook store (no store_meta table)") }
        guard try !Schema.migrator.hasBeenSuperseded(db) else {
            throw StoreError(.invalid, "\(what) was written by a newer acuhook (its schema has steps this build does not know); restore it with that version")
        }
    }

    /// Flushes `source`, renames it to `destination` and flushes the folder: after a crash the
    /// destination is either absent or whole.
    private static func durableRename(_ source: String, to destination: String) throws {
        let descriptor = open(source, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard synced, rename(source, destination) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let folder = open(Self.folder(of: destination), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    /// The folder holding `path` (`.` for a bare file name).
    static func folder(of path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    private static func size(of path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
