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
