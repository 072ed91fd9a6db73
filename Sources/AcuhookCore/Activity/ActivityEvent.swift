/// Something that just happened, as the console's live view and `acuhook tail` show it.
public enum ActivityEvent: Sendable, Equatable {
    /// A delivery was answered.
    case delivery(Answer)
    /// A job's attempt ended.
    case job(Attempt)

    /// An answered delivery.
    public struct Answer: Sendable, Equatable {
        /// When, ms since the Unix epoch.
        public var atUnixMilliseconds: Int64
        /// The source named in its path.
        public var source: String
        /// The delivery id the sender gave (`X-Acumatica-Delivery`, `webhook-id`), if any.
        public var deliveryID: String?
        /// The HTTP status answered.
        public var status: Int
        /// The error code, for a refusal.
        public var code: String?
        /// Whether it was a duplicate.
        public var duplicate: Bool
        /// Events stored.
        public var events: Int
        /// The stored delivery's row (the original's, for a duplicate).
        public var deliveryRow: Int64?

        /// An answered delivery.
        public init(atUnixMilliseconds: Int64, source: String, deliveryID: String?, status: Int, code: String?, duplicate: Bool, events: Int, deliveryRow: Int64? = nil) {
            self.deliveryRow = deliveryRow
            self.atUnixMilliseconds = atUnixMilliseconds
            self.source = source
            self.deliveryID = deliveryID
            self.status = status
            self.code = code
            self.duplicate = duplicate
            self.events = events
        }
    }

    /// A job's attempt that ended.
    public struct Attempt: Sendable, Equatable {
        /// When, ms since the Unix epoch.
        public var atUnixMilliseconds: Int64
        /// The plugin.
        public var plugin: String
        /// The job.
        public var jobID: Int64
        /// The stored delivery its event came from.
        public var deliveryRow: Int64
        /// The event's type.
        public var eventType: String
        /// How the attempt ended.
        public var outcome: AttemptOutcome
        /// What happens to the job now: `done`, `skipped`, `retry`, `dead` or `held`.
        public var next: String
        /// The attempt's duration in ms.
        public var durationMilliseconds: Int64

        /// A job's attempt.
        public init(atUnixMilliseconds: Int64, plugin: String, jobID: Int64, deliveryRow: Int64, eventType: String, outcome: AttemptOutcome, next: String, durationMilliseconds: Int64) {
            self.atUnixMilliseconds = atUnixMilliseconds
            self.plugin = plugin
            self.jobID = jobID
            self.deliveryRow = deliveryRow
            self.eventType = eventType
            self.outcome = outcome
            self.next = next
            self.durationMilliseconds = durationMilliseconds
        }
    }
}
