import GRDB

/// Holds SQLite's write lock on a database from a second connection, as another process would.
final class FileHandleLock {
    private let queue: DatabaseQueue
    private var released = false

    init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.allowsUnsafeTransactions = true
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
    }

    func release() {
        guard !released else { return }
        released = true
        try? queue.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
    }

    deinit { release() }
}
