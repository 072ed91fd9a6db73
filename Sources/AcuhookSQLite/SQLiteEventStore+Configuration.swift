import AcuhookStore
extension SQLiteEventStore {
    /// What a store is built with.
    public struct Configuration: Sendable {
        /// The database file; its folder is created if missing.
        public var path: String
        /// `full` (default): fsync on every commit, durable across power loss. `normal`: durable
        /// across a process crash (`kill -9`) but may lose the last commits on power loss.
        public var synchronous: StoreSettings.Synchronous = .full
        /// Most writes committed in one transaction. Default 256.
        public var maxBatch: Int = 256
        /// How long a commit waits for a lock held by another connection before failing. Default 5 s.
        public var busyTimeout: Duration = .seconds(5)
        /// WAL pages after which a commit runs a PASSIVE checkpoint (`wal_autocheckpoint`).
        /// Default 16000 (~64 MiB): that checkpoint stalls the commit that runs it, so it
        /// should be rare under load (`Benchmarks/log.md` has the settings compared).
        public var checkpointPages: Int = 16000
        /// Size the WAL file is truncated to when it starts over (`journal_size_limit`).
        /// Default 96 MiB: above the checkpoint size, so a steady load does not truncate and
        /// regrow the file at every restart.
        public var walSizeLimitBytes: Int = 96 << 20
        /// How often a second connection copies WAL pages back (and fsyncs the database file)
        /// in the background, so the writer's own checkpoint finds little left to copy. nil:
        /// never. Default 5 ms; scheduled only by commits, so an idle store does not run it.
        public var backgroundCheckpointInterval: Duration? = .milliseconds(5)
        /// Group commit window: when the last commit carried more than one write and was taken
        /// less than 10 ms ago (senders are concurrent), the next waits up to this long, or until
        /// ``commitDelayTarget`` writes wait, so more writes share one transaction and its fsync.
        /// A write arriving at an idle writer never waits. `.zero` disables. Default 500 µs.
        public var commitDelay: Duration = .microseconds(500)
        /// Writes waiting that end the commit window early. Default 32.
        public var commitDelayTarget: Int = 32
        /// Largest size of the database file in bytes (SQLite's `max_page_count`): a commit that
        /// would pass it fails, so deliveries are refused with 503 and nothing partial is kept,
        /// until the sweep or a purge frees space. nil: no limit but the disk's. Default nil.
        public var maxSizeBytes: Int? = nil

        /// Settings for the file at `path`.
        public init(path: String) { self.path = path }
    }
}

extension SQLiteEventStore.Configuration {
    /// The SQLite settings the `store` section gives; the rest keep their defaults.
    public init(_ settings: StoreSettings) {
        self.init(path: settings.path)
        synchronous = settings.synchronous
        commitDelay = settings.commitDelay
        maxSizeBytes = settings.maxSizeBytes
    }
}
