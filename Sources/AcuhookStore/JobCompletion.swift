import AcuhookCore

/// How one claimed job ended, committed by ``JobQueue/complete(_:)``.
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

        /// The job state it ends in (`done`, `skipped`, `dead`); nil when the job goes on.
        public var finalState: String? {
            switch self {
            case .done(let skipped): skipped ? JobState.skipped.rawValue : JobState.done.rawValue
            case .dead: JobState.dead.rawValue
            case .retry, .held: nil
            }
        }
    }

    /// The job.
    public var jobID: Int64
    /// The claim it ends (``ClaimedJob/claim``): the completion applies only while the job is
    /// running under that claim. nil applies it whatever the job's state (tests, tools).
    public var claim: Int64?
    /// Its fate.
    public var disposition: Disposition
    /// The attempt made, or nil when none was (held).
    public var attempt: AttemptRecord?
    /// Events the plugin emitted (stored with their own jobs in the same transaction).
    public var derived: [InboundEvent]
    /// Most events derived in all from the job's received delivery, over its whole derivation
    /// tree; ``derived`` past what is left of it are not stored (see ``DerivedEventRefusal``).
    public var derivedBudget: Int

    /// Creates a completion.
    public init(jobID: Int64, claim: Int64? = nil, disposition: Disposition, attempt: AttemptRecord?, derived: [InboundEvent] = [], derivedBudget: Int = .max) {
        self.jobID = jobID
        self.claim = claim
        self.disposition = disposition
        self.attempt = attempt
        self.derived = derived
        self.derivedBudget = derivedBudget
    }
}
