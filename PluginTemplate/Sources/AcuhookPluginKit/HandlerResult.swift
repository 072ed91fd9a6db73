import CAcuhookPlugin

/// What ``AcuhookHandler/handle(_:)`` reports.
public struct HandlerResult: Sendable {
    /// The outcome kinds of the ABI.
    public enum Status: Int32, Sendable {
        /// Handled.
        case ok = 0
        /// Transient failure: retry later (counts against the circuit breaker).
        case retry = 1
        /// Permanent failure: the event is bad; goes to the dead-letter queue.
        case reject = 2
        /// Not interested in this event.
        case skip = 3
    }

    /// The outcome.
    public var status: Status
    /// A reason shown in logs and the dead-letter queue.
    public var message: String?
    /// Output bytes kept with the job's history.
    public var output: [UInt8]?

    /// Creates a result.
    public init(_ status: Status, message: String? = nil, output: [UInt8]? = nil) {
        self.status = status
        self.message = message
        self.output = output
    }

    /// Handled.
    public static let ok = HandlerResult(.ok)
    /// Not interested.
    public static func skip(_ message: String? = nil) -> HandlerResult { HandlerResult(.skip, message: message) }
    /// Transient failure.
    public static func retry(_ message: String) -> HandlerResult { HandlerResult(.retry, message: message) }
    /// Permanent failure.
    public static func reject(_ message: String) -> HandlerResult { HandlerResult(.reject, message: message) }
}
