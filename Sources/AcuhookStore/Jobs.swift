import AcuhookCore

/// A job the dispatcher claimed: one event for one plugin, leased until it is completed.
public struct ClaimedJob: Sendable, Equatable {
    /// The job's id.
    public var id: Int64
    /// The plugin to call.
    public var plugin: String
    /// The attempt about to be made (1 for the first).
    public var attempt: Int
    /// The delay chosen before this attempt (for decorrelated jitter), if it is a retry.
    public var previousDelayMilliseconds: Int64?
    /// The stored event.
    public var event: StoredEvent
}

/// How one claimed job ended, committed by ``SQLiteEventStore/complete(_:)``.
public struct JobCompletion: Sendable, Equatable {
    /// What happens to the job.
    public enum Disposition: Sendable, Equatable {
        /// Handled (`skipped`: the plugin was not interested).
        case done(skipped: Bool)
        /// Try again at the time (ms since the epoch) after `delayMilliseconds`.
        case retry(atUnixMilliseconds: Int64, delayMilliseconds: Int64)
        /// Not attempted (breaker open): back to pending until the time; no attempt counted.
        case held(untilUnixMilliseconds: Int64)
        /// Into the dead-letter queue: `rejected` (bad data) or `exhausted` (retries used up).
        case dead(reason: DeadLetterReason)
    }

    /// The job.
    public var jobID: Int64
    /// Its fate.
    public var disposition: Disposition
    /// The attempt made, or nil when none was (held).
    public var attempt: AttemptRecord?
    /// Events the plugin emitted (stored with their own jobs in the same transaction).
    public var derived: [InboundEvent]

    /// Creates a completion.
    public init(jobID: Int64, disposition: Disposition, attempt: AttemptRecord?, derived: [InboundEvent] = []) {
        self.jobID = jobID
        self.disposition = disposition
        self.attempt = attempt
        self.derived = derived
    }
}

/// Why a job is in the dead-letter queue: bad input and system failures are kept apart.
public enum DeadLetterReason: String, Sendable, Equatable, Codable {
    /// The plugin rejected the event (`ACUHOOK_STATUS_REJECT`): the data is bad.
    case rejected
    /// Every attempt failed (RETRY, timeouts, crashes): a system problem.
    case exhausted
}

/// One attempt in a job's history.
public struct AttemptRecord: Sendable, Equatable {
    /// Attempt number, from 1.
    public var number: Int
    /// When it started, ms since the epoch.
    public var startedAtUnixMilliseconds: Int64
    /// How long it took.
    public var durationMilliseconds: Int64
    /// `ok`, `skipped`, `retry`, `rejected`, `timeout`, `invalid_status`, …
    public var outcome: String
    /// The plugin's message or the host's explanation.
    public var message: String?

    /// Creates a record.
    public init(number: Int, startedAtUnixMilliseconds: Int64, durationMilliseconds: Int64, outcome: String, message: String?) {
        self.number = number
        self.startedAtUnixMilliseconds = startedAtUnixMilliseconds
        self.durationMilliseconds = durationMilliseconds
        self.outcome = outcome
        self.message = message
    }
}

/// A job in the dead-letter queue, with its event and every attempt.
public struct DeadLetter: Sendable, Equatable {
    /// The job's id (what `dlq show` and `dlq replay` take).
    public var jobID: Int64
    /// The plugin.
    public var plugin: String
    /// Bad data or system failure.
    public var reason: DeadLetterReason
    /// When it was dead-lettered, ms since the epoch.
    public var deadAtUnixMilliseconds: Int64
    /// The event.
    public var event: StoredEvent
    /// Every attempt, oldest first (including those before earlier replays).
    public var attempts: [AttemptRecord]
}

/// Which dead letters a listing, replay or purge applies to. Empty fields match everything.
public struct DeadLetterFilter: Sendable, Equatable {
    /// Only this plugin.
    public var plugin: String?
    /// Only this event type.
    public var eventType: String?
    /// Only jobs dead-lettered at or after this time (ms since the epoch).
    public var sinceUnixMilliseconds: Int64?
    /// Only this reason.
    public var reason: DeadLetterReason?
    /// Only these job ids.
    public var jobIDs: [Int64]?

    /// Matches everything.
    public init(plugin: String? = nil, eventType: String? = nil, sinceUnixMilliseconds: Int64? = nil, reason: DeadLetterReason? = nil, jobIDs: [Int64]? = nil) {
        self.plugin = plugin
        self.eventType = eventType
        self.sinceUnixMilliseconds = sinceUnixMilliseconds
        self.reason = reason
        self.jobIDs = jobIDs
    }
}
