/// How one plugin call ended, as the runner reports it to the dispatcher.
public struct PluginCallResult: Sendable, Equatable {
    /// The kinds of ending.
    public enum Outcome: Sendable, Equatable {
        /// Handled (`ACUHOOK_STATUS_OK`).
        case ok
        /// Not interested (`ACUHOOK_STATUS_SKIP`).
        case skipped
        /// Transient failure reported by the plugin (`ACUHOOK_STATUS_RETRY`).
        case retry
        /// Permanent failure: bad data (`ACUHOOK_STATUS_REJECT`).
        case rejected
        /// The plugin misbehaved or ran out of time; retry later.
        case failed(PluginFailure)
        /// Not attempted: the breaker is open. Does not count as an attempt.
        case notAttempted(reason: String)
    }

    /// The ending.
    public var outcome: Outcome
    /// The plugin's message, or the host's explanation of a failure.
    public var message: String?
    /// Output bytes the plugin returned.
    public var output: [UInt8]?
    /// Events the plugin emitted (kept only when the outcome is ``Outcome/ok``).
    public var derived: [DerivedEvent]
    /// Wall time of the call (zero when not attempted).
    public var duration: Duration

    /// Creates a result.
    public init(outcome: Outcome, message: String? = nil, output: [UInt8]? = nil, derived: [DerivedEvent] = [], duration: Duration = .zero) {
        self.outcome = outcome
        self.message = message
        self.output = output
        self.derived = derived
        self.duration = duration
    }

    /// A call the host ended (out of time, its worker crashed, nothing could run it), with the
    /// host's explanation.
    public static func failure(_ failure: PluginFailure, _ message: String) -> PluginCallResult {
        PluginCallResult(outcome: .failed(failure), message: message)
    }

    /// Whether the circuit breaker counts this as a failure (RETRY, timeouts, crashes, invalid
    /// results); REJECT and SKIP are the plugin working correctly on data it cannot use.
    public var isBreakerFailure: Bool {
        switch outcome {
        case .retry, .failed: true
        case .ok, .skipped, .rejected, .notAttempted: false
        }
    }
}

/// Ways a plugin call can fail that are the plugin's fault, not the data's.
public enum PluginFailure: Sendable, Equatable {
    /// The call did not return within the timeout (its thread is lost until it does).
    case timeout
    /// `handle` returned a value that is not an `acuhook_status`.
    case invalidStatus(Int32)
    /// The result breaks the ABI (output over the size limit…).
    case invalidResult
    /// No worker could run the call (the pool is shutting down).
    case unavailable
    /// The plugin process died during the call (isolated runner).
    case crashed
}
