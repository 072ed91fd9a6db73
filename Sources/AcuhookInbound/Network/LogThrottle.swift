import AcuhookCore

/// Decides which of many similar log lines to write, so that a client who trips a limit again
/// and again (an attack) cannot flood the log: one line per key (a client address) per
/// `interval`, and at most `burst` lines at once, `perSecond` a second in all. Pure: the
/// caller passes the time and holds it under a lock.
public struct LogThrottle<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration, Instant: Sendable {
    private let interval: Duration
    private let maxKeys: Int
    private var lastLine: [String: (at: Instant, suppressed: Int)] = [:]
    private var overall: TokenBucket<Instant>

    /// A throttle that writes a key's line at most once per `interval`, `perSecond` lines a
    /// second in all (bursts of `burst`), and remembers at most `maxKeys` keys.
    public init(interval: Duration = .seconds(60), perSecond: Double = 5, burst: Int = 20, maxKeys: Int = 4096, now: Instant) {
        self.interval = interval
        self.maxKeys = maxKeys
        self.overall = TokenBucket(ratePerSecond: perSecond, burst: burst, now: now)
    }

    /// Whether to write `key`'s line now: nil to leave it out, else how many of its lines
    /// were left out since the last one written (to say so in this one).
    public mutating func admit(_ key: String, at now: Instant) -> Int? {
        if let last = lastLine[key], last.at.duration(to: now) < interval {
            lastLine[key] = (last.at, last.suppressed + 1)
            return nil
        }
        guard overall.take(now: now) == nil else {
            if var last = lastLine[key] {
                last.suppressed += 1
                lastLine[key] = last
            }
            return nil
        }
        if lastLine.count >= maxKeys, lastLine[key] == nil {
            lastLine = lastLine.filter { $0.value.at.duration(to: now) < interval }
            guard lastLine.count < maxKeys else { return nil }
        }
        let suppressed = lastLine[key]?.suppressed ?? 0
        lastLine[key] = (now, 0)
        return suppressed
    }
}
