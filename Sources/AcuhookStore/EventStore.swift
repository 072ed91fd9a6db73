/// Everything the runtime keeps: the inbox, the jobs, the dead-letter queue and the runtime
/// overrides. Every caller (receiver, dispatcher, admin API, override watcher, CLI) talks to
/// these protocols, never to an implementation, so a second backend is added without touching
/// them.
///
/// ``SQLiteEventStore`` implements it for one machine; `PostgresEventStore` (AcuhookPostgres) for
/// several instances sharing one PostgreSQL database.
public protocol EventStore: Inbox, JobQueue, DeadLetterQueue, OverrideStore, DeliveryLog {
    /// Where it keeps everything, for logs and messages (a file path, or a URL without its password).
    var location: String { get }

    /// Closes connections once nothing uses the store any more (after every service stopped).
    func close() async
}

extension EventStore {
    /// Nothing to close.
    public func close() async {}
}
