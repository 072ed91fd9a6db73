/// How one recorded attempt ended, as the job history and the dead-letter queue keep it.
///
/// Stored and shown by its ``rawValue`` (`ok`, `timeout`, `invalid_status_77`, …).
public enum AttemptOutcome: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    /// Handled.
    case ok
    /// The plugin was not interested.
    case skipped
    /// The route's filter did not match: the plugin was not called.
    case filtered
    /// The plugin asked for a retry.
    case retry
    /// The plugin rejected the event as bad data.
    case rejected
    /// The call ran out of time (or found no free slot in time).
    case timeout
    /// `handle` returned a value that is not an `acuhook_status`.
    case invalidStatus(Int32)
    /// The result broke the ABI.
    case invalidResult
    /// Nothing could run the call (pool shut down, no worker came up).
    case unavailable
    /// The plugin's worker process died during the call.
    case crashed
    /// Not attempted: the breaker refused the call.
    case notAttempted
    /// A name this version does not know (recorded by another version).
    case other(String)

    /// The outcome of a plugin call.
    public init(_ outcome: PluginCallResult.Outcome) {
        switch outcome {
        case .ok: self = .ok
        case .skipped: self = .skipped
        case .retry: self = .retry
        case .rejected: self = .rejected
        case .notAttempted: self = .notAttempted
        case .failed(.timeout): self = .timeout
        case .failed(.invalidStatus(let status)): self = .invalidStatus(status)
        case .failed(.invalidResult): self = .invalidResult
        case .failed(.unavailable): self = .unavailable
        case .failed(.crashed): self = .crashed
        }
    }

    private static let invalidStatusPrefix = "invalid_status_"

    /// The stored name.
    public var rawValue: String {
        switch self {
        case .ok: "ok"
        case .skipped: "skipped"
        case .filtered: "filtered"
        case .retry: "retry"
        case .rejected: "rejected"
        case .timeout: "timeout"
        case .invalidStatus(let status): Self.invalidStatusPrefix + String(status)
        case .invalidResult: "invalid_result"
        case .unavailable: "unavailable"
        case .crashed: "crashed"
        case .notAttempted: "not_attempted"
        case .other(let name): name
        }
    }

    /// The outcome a stored name stands for (``other(_:)`` for a name this version does not know).
    public init?(rawValue: String) {
        switch rawValue {
        case "ok": self = .ok
        case "skipped": self = .skipped
        case "filtered": self = .filtered
        case "retry": self = .retry
        case "rejected": self = .rejected
        case "timeout": self = .timeout
        case "invalid_result": self = .invalidResult
        case "unavailable": self = .unavailable
        case "crashed": self = .crashed
        case "not_attempted": self = .notAttempted
        default:
            guard rawValue.hasPrefix(Self.invalidStatusPrefix), let status = Int32(rawValue.dropFirst(Self.invalidStatusPrefix.count)) else {
                self = .other(rawValue)
                return
            }
            self = .invalidStatus(status)
        }
    }

    /// The stored name.
    public var description: String { rawValue }
}

extension AttemptOutcome {
    /// The outcome as a metric label: one of a fixed set (`invalid_status_77` is `invalid_status`,
    /// a name this version does not know is `other`), so label sets stay bounded.
    public var metricLabel: String {
        switch self {
        case .invalidStatus: "invalid_status"
        case .other: "other"
        default: rawValue
        }
    }
}
