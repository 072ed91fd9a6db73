/// The queue at a glance, read in one transaction: for metrics, alerts and the status command.
public struct QueueSummary: Sendable, Equatable {
    /// Dead letters of one plugin for one reason.
    public struct DeadLetterCount: Sendable, Hashable {
        /// The plugin.
        public var plugin: String
        /// Why its jobs were dead-lettered.
        public var reason: DeadLetterReason
        /// How many.
        public var count: Int

        /// A count.
        public init(plugin: String, reason: DeadLetterReason, count: Int) {
            self.plugin = plugin
            self.reason = reason
            self.count = count
        }
    }

    /// Jobs in each state (states with none are absent).
    public var jobs: [JobState: Int]
    /// Per plugin with pending jobs: the earliest `due` time of its pending jobs, ms since the
    /// Unix epoch. A time before now means a job has been due, and waiting, since then.
    public var earliestDueByPlugin: [String: Int64]
    /// Per plugin with pending jobs due at the summary's time: how many (waiting to be claimed).
    public var dueByPlugin: [String: Int]
    /// Dead letters by plugin and reason, sorted by plugin then reason.
    public var deadLetters: [DeadLetterCount]

    /// A summary.
    public init(
        jobs: [JobState: Int] = [:], earliestDueByPlugin: [String: Int64] = [:], dueByPlugin: [String: Int] = [:], deadLetters: [DeadLetterCount] = []
    ) {
        self.jobs = jobs
        self.earliestDueByPlugin = earliestDueByPlugin
        self.dueByPlugin = dueByPlugin
        self.deadLetters = deadLetters
    }

    /// All dead letters.
    public var deadLetterTotal: Int { deadLetters.reduce(0) { $0 + $1.count } }

    /// How long `plugin`'s longest-waiting due job has waited at `now` (zero when none is due).
    public func oldestPendingAge(of plugin: String, nowUnixMilliseconds now: Int64) -> Duration {
        guard let due = earliestDueByPlugin[plugin], due < now else { return .zero }
        return .milliseconds(now - due)
    }
}
