/// When to try a failed job again: exponential backoff with jitter, a cap and a bounded number of
/// attempts. Pure: the caller supplies the random source, so tests are deterministic.
public struct RetryPolicy: Sendable, Equatable {
    /// How the random part of the delay is drawn.
    public enum Jitter: String, Sendable, Equatable {
        /// Uniform in [0, backoff] (AWS "full jitter").
        case full
        /// Uniform in [base, previous delay × 3], capped (AWS "decorrelated jitter").
        case decorrelated
        /// No randomness: exactly the exponential backoff.
        case none
    }

    /// The first retry's nominal delay. Default 1 s.
    public var baseDelay: Duration = .seconds(1)
    /// Growth per attempt. Default 2.
    public var factor: Double = 2
    /// Longest delay. Default 10 min.
    public var maxDelay: Duration = .seconds(600)
    /// Attempts in all (the first call included); after the last one the job goes to the
    /// dead-letter queue. Default 8.
    public var maxAttempts: Int = 8
    /// How the delay is randomised. Default full.
    public var jitter: Jitter = .full

    /// The defaults.
    public init() {}

    /// What to do after attempt number `attempt` (1-based) failed.
    public enum Decision: Sendable, Equatable {
        /// Try again after `delay`.
        case retry(after: Duration)
        /// Out of attempts: dead-letter the job.
        case giveUp
    }

    /// Decides after a failed attempt. `previousDelay` is the delay chosen last time (for
    /// decorrelated jitter); `random` returns a uniform value in [0, 1).
    public func decide(afterAttempt attempt: Int, previousDelay: Duration?, random: () -> Double) -> Decision {
        guard attempt < maxAttempts else { return .giveUp }
        let base = seconds(baseDelay)
        let cap = seconds(maxDelay)
        let exponential = min(cap, base * pow(factor, Double(attempt - 1)))
        let delay: Double
        switch jitter {
        case .none:
            delay = exponential
        case .full:
            delay = exponential * random()
        case .decorrelated:
            let previous = previousDelay.map(seconds) ?? base
            let upper = max(base, previous * 3)
            delay = min(cap, base + (upper - base) * random())
        }
        return .retry(after: .milliseconds(Int64((delay * 1000).rounded())))
    }

    private func seconds(_ duration: Duration) -> Double {
        duration.inSeconds
    }

    private func pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        var remaining = Int(exponent)
        while remaining > 0 {
            result *= base
            remaining -= 1
            if result > 1e12 { return result }
        }
        return result
    }
}
