import AcuhookCore

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

    /// A dead letter.
    public init(jobID: Int64, plugin: String, reason: DeadLetterReason, deadAtUnixMilliseconds: Int64, event: StoredEvent, attempts: [AttemptRecord]) {
        self.jobID = jobID
        self.plugin = plugin
        self.reason = reason
        self.deadAtUnixMilliseconds = deadAtUnixMilliseconds
        self.event = event
        self.attempts = attempts
    }
}

/// Why a job is in the dead-letter queue: bad input and system failures are kept apart.
public enum DeadLetterReason: String, Sendable, Equatable, Codable {
    /// The plugin rejected the event (`ACUHOOK_STATUS_REJECT`): the data is bad.
    case rejected
    /// Every attempt failed (RETRY, timeouts, crashes): a system problem.
    case exhausted
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
