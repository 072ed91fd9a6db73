/// Settings of one plugin's circuit breaker. Every field has the documented default.
public struct CircuitBreakerSettings: Sendable, Equatable {
    /// How many of the most recent calls are judged (count-based sliding window). Default 20.
    public var windowSize: Int = 20
    /// Fewest calls in the window before the failure or slow-call rate can trip it. Default 10.
    public var minimumCalls: Int = 10
    /// Failure rate (0…1) at or above which the breaker opens. Default 0.5.
    public var failureRateThreshold: Double = 0.5
    /// Consecutive failures that open the breaker regardless of the window; 0 turns it off. Default 5.
    public var consecutiveFailureThreshold: Int = 5
    /// Calls slower than this count as slow; `nil` (default) turns slow-call tracking off.
    public var slowCallDuration: Duration? = nil
    /// Slow-call rate (0…1) at or above which the breaker opens, when tracking. Default 1.0.
    public var slowCallRateThreshold: Double = 1.0
    /// How long the breaker stays open after its first trip. Default 30 s.
    public var openDuration: Duration = .seconds(30)
    /// The open duration doubles on each re-trip from half-open, up to this cap. Default 10 min.
    public var maxOpenDuration: Duration = .seconds(600)
    /// Calls let through while half-open; all must succeed to close. Default 1.
    public var halfOpenProbes: Int = 1
    /// When true the breaker never opens (it starts in the `disabled` state). Default false.
    public var disabled: Bool = false

    /// The defaults.
    public init() {}

    /// Problems with the values, as `(key, expectation)` pairs; empty when valid.
    public func problems() -> [(key: String, expected: String)] {
        var found: [(String, String)] = []
        if windowSize < 1 { found.append(("window", "a whole number ≥ 1")) }
        if minimumCalls < 1 || minimumCalls > windowSize {
            found.append(("minimum_calls", "a whole number from 1 to window (\(windowSize))"))
        }
        if !(0...1).contains(failureRateThreshold) { found.append(("failure_rate", "a number from 0 to 1")) }
        if consecutiveFailureThreshold < 0 { found.append(("consecutive_failures", "a whole number ≥ 0")) }
        if !(0...1).contains(slowCallRateThreshold) { found.append(("slow_call_rate", "a number from 0 to 1")) }
        if let slow = slowCallDuration, slow <= .zero { found.append(("slow_call_duration", "a positive duration")) }
        if openDuration <= .zero { found.append(("open_duration", "a positive duration")) }
        if maxOpenDuration < openDuration { found.append(("max_open_duration", "a duration ≥ open_duration")) }
        if halfOpenProbes < 1 { found.append(("half_open_probes", "a whole number ≥ 1")) }
        return found
    }
}
