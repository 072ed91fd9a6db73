import AcuhookCore

/// One attempt in a job's history.
public struct AttemptRecord: Sendable, Equatable {
    /// Attempt number, from 1.
    public var number: Int
    /// When it started, ms since the epoch.
    public var startedAtUnixMilliseconds: Int64
    /// How long it took.
    public var durationMilliseconds: Int64
    /// How it ended.
    public var outcome: AttemptOutcome
    /// The plugin's message or the host's explanation.
    public var message: String?

    /// Creates a record.
    public init(number: Int, startedAtUnixMilliseconds: Int64, durationMilliseconds: Int64, outcome: AttemptOutcome, message: String?) {
        self.number = number
        self.startedAtUnixMilliseconds = startedAtUnixMilliseconds
        self.durationMilliseconds = durationMilliseconds
        self.outcome = outcome
        self.message = message
    }
}
