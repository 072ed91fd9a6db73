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
