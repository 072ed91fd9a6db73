/// Where a circuit breaker is, without the details (for logs, APIs, metrics and comparisons).
public enum CircuitBreakerPhase: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Calls flow; outcomes are judged.
    case closed
    /// Calls are refused until the open duration ends.
    case open
    /// A limited number of probe calls are let through.
    case halfOpen = "half-open"
    /// Opened by an operator; stays open until reset.
    case forcedOpen = "forced-open"
    /// Turned off: calls always flow.
    case disabled

    /// The short name (`closed`, `open`, `half-open`, `forced-open`, `disabled`).
    public var description: String { rawValue }
}

extension CircuitBreakerPhase {
    /// The phase as a gauge value: 0 calls flow (closed, disabled), 1 half-open, 2 calls are
    /// refused (open, forced open).
    public var gaugeValue: Int {
        switch self {
        case .closed, .disabled: 0
        case .halfOpen: 1
        case .open, .forcedOpen: 2
        }
    }
}
