import PostgresNIO
import Synchronization

/// Ends statements that run too long on connections a writer holds: the connection is closed, so
/// the statement fails at once and the pool replaces the connection.
///
/// One timer for the store's life, not one per statement: watching a statement costs two locked
/// updates, where a timer per statement would wake an event loop or start a task every batch.
/// A statement is ended between `limit` and `limit` plus one check interval after it started.
final class StatementWatchdog: Sendable {
    private struct Watch {
        let connection: PostgresConnection
        let deadline: ContinuousClock.Instant
        var expired = false
    }

    /// How long a statement may run.
    let limit: Duration
    private let watches = Mutex<[Int: Watch]>([:])
    private let nextID = Atomic<Int>(0)

    /// A watchdog for statements that may run `limit`.
    init(limit: Duration) { self.limit = limit }

    /// Checks the watched statements until cancelled (run in a task of its own).
    func run() async {
        let interval = min(limit / 10, .milliseconds(250))
        while (try? await Task.sleep(for: interval)) != nil {
            let now = ContinuousClock.now
            let late = watches.withLock { watches in
                var late: [PostgresConnection] = []
                for (id, watch) in watches where !watch.expired && watch.deadline <= now {
                    watches[id]!.expired = true
                    late.append(watch.connection)
                }
                return late
            }
            for connection in late { let _: EventLoopFuture<Void> = connection.close() }
        }
    }

    /// Runs `body`, which uses `connection`; once it has run past ``limit`` the connection is
    /// closed and `body`'s failure becomes ``DeadlineExceeded``.
    func watch<T>(_ connection: PostgresConnection, _ body: () async throws -> T) async throws -> T {
        let id = nextID.add(1, ordering: .relaxed).newValue
        watches.withLock { $0[id] = Watch(connection: connection, deadline: .now + limit) }
        do {
            let value = try await body()
            watches.withLock { _ = $0.removeValue(forKey: id) }
            return value
        } catch {
            let watch = watches.withLock { $0.removeValue(forKey: id) }
            if watch?.expired == true { throw DeadlineExceeded(limit: limit) }
            throw error
        }
    }
}
