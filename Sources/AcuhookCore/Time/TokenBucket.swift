/// A token bucket: `burst` tokens, refilled at `ratePerSecond`; each request takes one.
/// Pure: the caller passes the time.
public struct TokenBucket<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration, Instant: Sendable {
    /// Most tokens held (the largest burst allowed).
    public let burst: Double
    /// Tokens added per second.
    public let ratePerSecond: Double
    private var tokens: Double
    private var updated: Instant

    /// A full bucket at `now`.
    public init(ratePerSecond: Double, burst: Int, now: Instant) {
        self.burst = Double(max(1, burst))
        self.ratePerSecond = ratePerSecond
        self.tokens = self.burst
        self.updated = now
    }

    /// Takes a token. Returns nil when allowed, or how long until a token is available.
    public mutating func take(now: Instant) -> Duration? {
        refill(now: now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return waitForToken()
    }

    /// Whole tokens available at `now`.
    public mutating func available(now: Instant) -> Int {
        refill(now: now)
        return Int(tokens.rounded(.down))
    }

    /// Takes `count` tokens (at most those available) at `now`.
    public mutating func take(_ count: Int, now: Instant) {
        refill(now: now)
        tokens = max(0, tokens - Double(count))
    }

    /// How long from `now` until a whole token is available (zero when one is).
    public mutating func waitForToken(now: Instant) -> Duration {
        refill(now: now)
        return tokens >= 1 ? .zero : waitForToken()
    }

    private mutating func refill(now: Instant) {
        let elapsed = updated.duration(to: now)
        if elapsed > .zero {
            tokens = min(burst, tokens + elapsed.inSeconds * ratePerSecond)
            updated = now
        }
    }

    private func waitForToken() -> Duration {
        let wait = (1 - tokens) / ratePerSecond
        return .milliseconds(Int64((wait * 1000).rounded(.up)))
    }

    /// Whether the bucket is full at `now` (an idle client that can be forgotten).
    public func isFull(now: Instant) -> Bool {
        let elapsed = updated.duration(to: now)
        let seconds = elapsed.inSeconds
        return tokens + seconds * ratePerSecond >= burst
    }
}
