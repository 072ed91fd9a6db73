import ServiceLifecycle

/// Everything the runtime keeps: the inbox, the jobs, the dead-letter queue and the runtime
/// overrides. Every caller (receiver, dispatcher, admin API, override watcher, CLI) talks to
/// these protocols, never to an implementation, so a second backend is added without touching
/// them.
///
/// `SQLiteEventStore` (AcuhookSQLite) implements it for one machine; `PostgresEventStore` (AcuhookPostgres) for
/// several instances sharing one PostgreSQL database.
public protocol EventStore: Inbox, JobQueue, DeadLetterQueue, OverrideStore, DeliveryLog, ReplayLog {
    /// Where it keeps everything, for logs and messages (a file path, or a URL without its password).
    var location: String { get }

    /// What must run for the store to work (a connection pool, a writer), in start order; empty
    /// when nothing must. An application lists them first in its `ServiceGroup`, so they stop
    /// after every service that uses the store.
    var services: [any Service] { get }

    /// Stops what the store started for itself when it was opened outside a service group
    /// (a command, a test); nothing for a store whose ``services`` run in the application's group.
    func close() async
}

extension EventStore {
    /// Nothing must run.
    public var services: [any Service] { [] }

    /// Nothing to close.
    public func close() async {}
}
