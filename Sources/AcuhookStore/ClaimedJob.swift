import AcuhookCore

/// A job the dispatcher claimed: one event for one plugin, leased until it is completed.
public struct ClaimedJob: Sendable, Equatable {
    /// The job's id.
    public var id: Int64
    /// The plugin to call.
    public var plugin: String
    /// This claim's token: a number the job's every claim increases. A completion or release
    /// carrying an older one (its lease expired and another dispatcher claimed the job) changes nothing.
    public var claim: Int64
    /// The attempt about to be made (1 for the first).
    public var attempt: Int
    /// The delay chosen before this attempt (for decorrelated jitter), if it is a retry.
    public var previousDelayMilliseconds: Int64?
    /// The stored event.
    public var event: StoredEvent
    /// The replay (backfill) that created the job; nil for a job made when its event was stored.
    public var replay: Int64? = nil

    /// A claimed job.
    public init(id: Int64, plugin: String, claim: Int64, attempt: Int, previousDelayMilliseconds: Int64?, event: StoredEvent) {
        self.id = id
        self.plugin = plugin
        self.claim = claim
        self.attempt = attempt
        self.previousDelayMilliseconds = previousDelayMilliseconds
        self.event = event
    }
}
