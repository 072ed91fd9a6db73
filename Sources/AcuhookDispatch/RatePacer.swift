import AcuhookCore
import Synchronization

/// Paces the claims of plugins with a `rate`: one token bucket per plugin, each claimed job
/// taking a token, so jobs over the rate are never claimed and wait in the store (no attempt
/// spent, the breaker not asked). Buckets follow the plugins' settings across reloads.
///
/// - Important: Thread-safe. The rate holds per dispatcher: instances sharing one PostgreSQL
///   each pace their own claims.
final class RatePacer: Sendable {
    private struct Paced {
        var rate: RateSettings
        var bucket: TokenBucket<ContinuousClock.Instant>
        /// Whether the last allowance was none at all (its jobs, if any, wait for a token).
        var starved = false
    }

    private let paced = Mutex<[String: Paced]>([:])

    /// How many of `plugin`'s jobs may be claimed now, of `wanted`: all of them without a rate.
    func allowance(_ plugin: String, rate: RateSettings?, wanted: Int) -> Int {
        guard let rate else {
            paced.withLock { _ = $0.removeValue(forKey: plugin) }
            return wanted
        }
        let now = ContinuousClock.now
        return paced.withLock { paced in
            if paced[plugin]?.rate != rate {
                paced[plugin] = Paced(rate: rate, bucket: TokenBucket(ratePerSecond: rate.perSecond, burst: rate.burst, now: now))
            }
            let allowed = min(wanted, paced[plugin]!.bucket.available(now: now))
            paced[plugin]!.starved = allowed == 0 && wanted > 0
            return allowed
        }
    }

    /// Charges `count` claimed jobs of `plugin` to its bucket.
    func claimed(_ count: Int, of plugin: String) {
        let now = ContinuousClock.now
        paced.withLock { paced in paced[plugin]?.bucket.take(count, now: now) }
    }

    /// How long until a plugin held back by its rate has a token again; nil when none is held back.
    func untilNextToken() -> Duration? {
        let now = ContinuousClock.now
        return paced.withLock { paced in
            var soonest: Duration?
            for plugin in paced.keys where paced[plugin]!.starved {
                let wait = paced[plugin]!.bucket.waitForToken(now: now)
                soonest = min(soonest ?? wait, wait)
            }
            return soonest
        }
    }
}
