import AcuhookStore
import Foundation

/// Marks a SQLite store as open: every process holding the store holds a shared `flock` on
/// `<store>.lock`, so `acuhook store restore` (which needs it exclusively) can refuse to replace a
/// store that `acuhook serve` is using.
///
/// A file of its own, never the database: closing any descriptor of the database file would drop
/// the POSIX locks SQLite holds on it.
final class StoreUseLock: Sendable {
    /// The lock file's descriptor; -1 when it could not be made (a read-only folder): not marked.
    private let descriptor: Int32

    /// Takes the shared lock on `<store>.lock`, creating the file; throws while a restore holds
    /// it exclusively.
    init(store path: String) throws(StoreError) {
        let descriptor = Self.open(store: path)
        if descriptor >= 0, flock(descriptor, LOCK_SH | LOCK_NB) != 0 {
            close(descriptor)
            throw StoreError(.unavailable, "the store is being restored (acuhook store restore); start again once that has finished")
        }
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Opens (creating) `<store>.lock` for reading, which is all `flock` needs. Made by root (an
    /// operator's `sudo acuhook …`), it is given to the owner of the store's folder, as SQLite
    /// does with its WAL, so that the service's user can still open it.
    private static func open(store path: String) -> Int32 {
        let lock = Self.path(for: path)
        let descriptor = Foundation.open(lock, O_RDONLY | O_CREAT | O_CLOEXEC, 0o644)
        if descriptor >= 0, geteuid() == 0 {
            var folder = stat()
            if stat(SQLiteStoreFile.folder(of: path), &folder) == 0 {
                _ = fchown(descriptor, folder.st_uid, folder.st_gid)
            }
        }
        return descriptor
    }

    /// `<store>.lock`.
    static func path(for store: String) -> String { store + ".lock" }

    /// Runs `body` holding `<store>.lock` exclusively; false (and `body` not run) when another
    /// process has the store open.
    static func withExclusive<T>(store path: String, _ body: () throws -> T) throws -> T? {
        let descriptor = Self.open(store: path)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return nil }
        return try body()
    }
}
