/// Everything the runtime keeps: the inbox, the jobs, the dead-letter queue and the runtime
/// overrides. Every caller (receiver, dispatcher, admin API, override watcher, CLI) talks to
/// these protocols, never to an implementation, so a second backend is added without touching
/// them.
///
/// ``SQLiteEventStore`` implements it for one machine.
public protocol EventStore: Inbox, JobQueue, DeadLetterQueue, OverrideStore, DeliveryLog {}
