import AcuhookCore
import Testing

/// The token bucket a plugin's `rate` claims from, on injected instants, and the rate's text.
@Suite struct RatePacingTests {
    let start = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start.advanced(by: .milliseconds(milliseconds)) }

    @Test func aBucketRefillsAtItsRateUpToItsBurst() {
        var bucket = TokenBucket(ratePerSecond: 20, burst: 1, now: at(0))
        #expect(bucket.available(now: at(0)) == 1)
        bucket.take(1, now: at(0))
        #expect(bucket.available(now: at(0)) == 0)
        #expect(bucket.waitForToken(now: at(0)) == .milliseconds(50))
        #expect(bucket.waitForToken(now: at(20)) == .milliseconds(30))
        #expect(bucket.available(now: at(49)) == 0)
        #expect(bucket.available(now: at(50)) == 1)
        // A long quiet spell fills it to its burst, no more.
        #expect(bucket.available(now: at(10_000)) == 1)

        var burst = TokenBucket(ratePerSecond: 10, burst: 5, now: at(0))
        #expect(burst.available(now: at(0)) == 5)
        burst.take(3, now: at(0))
        #expect(burst.available(now: at(0)) == 2)
        // Taking more than there is leaves none, never a debt.
        burst.take(10, now: at(0))
        #expect(burst.available(now: at(0)) == 0 && burst.waitForToken(now: at(0)) == .milliseconds(100))
        #expect(burst.available(now: at(350)) == 3)
    }

    @Test func ratesReadPerSecondMinuteOrHour() {
        #expect(RateSettings(parsing: "10/s") == RateSettings(perSecond: 10))
        #expect(RateSettings(parsing: "600/m")?.perSecond == 10)
        #expect(RateSettings(parsing: "3600 / h")?.perSecond == 1)
        #expect(RateSettings(parsing: "0.5/s")?.perSecond == 0.5)
        for bad in ["10", "10/d", "-1/s", "0/s", "ten/s", "/s"] { #expect(RateSettings(parsing: bad) == nil, "\(bad)") }
        #expect(RateSettings(perSecond: 10).description == "10/s")
        #expect(RateSettings(perSecond: 0.5).description == "30/m")
        #expect(RateSettings(perSecond: 20, burst: 40).description == "20/s (burst 40)")
    }
}
