/// The durable store.
public struct StoreSettings: Sendable, Equatable {
    /// The SQLite file. Default `./acuhook-data/acuhook.db`.
    public var path = "acuhook-data/acuhook.db"
    /// The PostgreSQL database (`store.url`), shared by every instance that names it; nil (the
    /// default): the SQLite file at ``path``.
    public var postgres: PostgresSettings? = nil
    /// `full` (default, fsync every commit) or `normal` (survives a process crash, not power loss).
    public var synchronous: Synchronous = .full
    /// How long idempotency keys are kept. Default 3 days (Acumatica resends for 2).
    public var idempotencyRetention: Duration = .seconds(3 * 86_400)
    /// How often expired keys are deleted. Default 10 minutes.
    public var sweepInterval: Duration = .seconds(600)
    /// How long finished deliveries (every job done, skipped or superseded) are kept, with their
    /// events, jobs and attempts. Deliveries with a pending or dead-lettered job are kept until
    /// it is done or purged. Default 7 days.
    public var retention: Duration = .seconds(7 * 86_400)
    /// Largest size of the database file in bytes (`store.max_size`); nil: no limit. Default nil.
    public var maxSizeBytes: Int? = nil
    /// Group commit window: after a commit that carried several writes, the next one waits up to
    /// this long for more to share it (a lone write never waits). `0s` disables. Default 500 µs.
    public var commitDelay: Duration = .microseconds(500)

    /// SQLite's `synchronous` levels offered.
    public enum Synchronous: String, Sendable, CaseIterable {
        /// fsync on every commit.
        case full
        /// fsync at checkpoints only.
        case normal
    }

    /// The defaults.
    public init() {}
}
