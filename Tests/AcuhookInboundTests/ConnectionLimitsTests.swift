import AcuhookInbound
import AcuhookTesting
import Testing

/// The pure parts of the listener's protections: deadlines per phase, caps at accept, the log
/// throttle. Time is a ``ManualClock``'s.
@Suite struct ConnectionLimitsTests {
    typealias Deadlines = ConnectionDeadlines<ManualClock.Instant>

    static var limits: ConnectionLimits {
        var limits = ConnectionLimits()
        (limits.headerTimeout, limits.bodyTimeout, limits.idleTimeout, limits.tlsHandshakeTimeout) = (.seconds(10), .seconds(30), .seconds(60), .seconds(10))
        (limits.minBodyRate, limits.minBodyRateGrace) = (100, .seconds(5))
        return limits
    }

    @Test func aSilentConnectionIsClosedAtTheHeaderTimeoutAndATLSOneAtTheHandshakeTimeout() {
        let clock = ManualClock()
        let plain = Deadlines(limits: Self.limits, tls: false, now: clock.now)
        #expect(plain.expired(at: clock.now.advanced(by: .seconds(9))) == nil)
        #expect(plain.expired(at: clock.now.advanced(by: .seconds(10))) == .header)

        var tls = Deadlines(limits: Self.limits, tls: true, now: clock.now)
        #expect(tls.expired(at: clock.now.advanced(by: .seconds(10))) == .handshake)
        tls.handshakeCompleted(at: clock.now.advanced(by: .seconds(2)))
        #expect(tls.expired(at: clock.now.advanced(by: .seconds(11))) == nil)
        #expect(tls.expired(at: clock.now.advanced(by: .seconds(12))) == .header)
    }

    @Test func aSlowHeadIsClosedAtTheHeaderTimeoutWhateverItSends() {
        let clock = ManualClock()
        var deadlines = Deadlines(limits: Self.limits, tls: false, now: clock.now)
        for second in 1...9 {
            deadlines.inputArrived(at: clock.now.advanced(by: .seconds(second)))
            let over = deadlines.headBytes(1)
            #expect(!over)
        }
        #expect(deadlines.expired(at: clock.now.advanced(by: .seconds(10))) == .header)
    }

    @Test func aHeadOverTheSizeLimitIsReportedOnce() {
        var limits = Self.limits
        limits.maxHeadSize = 1024
        var deadlines = Deadlines(limits: limits, tls: false, now: ManualClock().now)
        let first = deadlines.headBytes(1000), second = deadlines.headBytes(25)
        #expect(!first && second)
    }

    @Test func aBodyMustArriveInTimeAndNotSlowerThanTheMinimumRate() {
        let clock = ManualClock()
        let start = clock.now
        var deadlines = Deadlines(limits: Self.limits, tls: false, now: start)
        deadlines.headReceived(at: start)
        // Nothing yet: judged after the 5 s grace.
        #expect(deadlines.deadline()?.expiry == .bodyRate)
        #expect(deadlines.expired(at: start.advanced(by: .milliseconds(4999))) == nil)
        #expect(deadlines.expired(at: start.advanced(by: .seconds(5))) == .bodyRate)
        // 1,000 bytes at 100 bytes/s earn 10 s more.
        deadlines.bodyReceived(1000)
        #expect(deadlines.expired(at: start.advanced(by: .seconds(14))) == nil)
        #expect(deadlines.expired(at: start.advanced(by: .seconds(15))) == .bodyRate)
        // Fast enough throughout, the body still has body_timeout in all.
        deadlines.bodyReceived(1_000_000)
        #expect(deadlines.expired(at: start.advanced(by: .seconds(29))) == nil)
        #expect(deadlines.expired(at: start.advanced(by: .seconds(30))) == .body)
    }

    @Test func noClockRunsWhileAnAnswerIsOwedAndAKeptAliveConnectionThenIdles() {
        let clock = ManualClock()
        let start = clock.now
        var deadlines = Deadlines(limits: Self.limits, tls: false, now: start)
        deadlines.headReceived(at: start)
        deadlines.requestEnded(at: start)
        #expect(deadlines.deadline() == nil)  // the store commits; the client waits for us
        deadlines.answerEnded(at: start.advanced(by: .seconds(100)))
        #expect(deadlines.deadline()?.expiry == .idle)
        #expect(deadlines.expired(at: start.advanced(by: .seconds(159))) == nil)
        #expect(deadlines.expired(at: start.advanced(by: .seconds(160))) == .idle)
        // The next request's first byte starts its head clock.
        deadlines.inputArrived(at: start.advanced(by: .seconds(150)))
        #expect(deadlines.expired(at: start.advanced(by: .seconds(159))) == nil)
        #expect(deadlines.expired(at: start.advanced(by: .seconds(160))) == .header)
    }

    @Test func aPipelinedRequestsClockStartsWhenTheAnswerBeforeItIsWritten() {
        let clock = ManualClock()
        let start = clock.now
        var deadlines = Deadlines(limits: Self.limits, tls: false, now: start)
        deadlines.headReceived(at: start)
        deadlines.requestEnded(at: start)
        deadlines.inputArrived(at: start)  // the next head arrives behind the first
        #expect(deadlines.deadline() == nil)
        deadlines.answerEnded(at: start.advanced(by: .seconds(20)))
        #expect(deadlines.expired(at: start.advanced(by: .seconds(29))) == nil)
        #expect(deadlines.expired(at: start.advanced(by: .seconds(30))) == .header)
    }

    @Test func aRequestRefusedBeforeItsBodyEndsStillHasItsBodyDeadlineThenIdles() {
        let clock = ManualClock()
        let start = clock.now
        var deadlines = Deadlines(limits: Self.limits, tls: false, now: start)
        deadlines.headReceived(at: start)
        deadlines.answerEnded(at: start.advanced(by: .seconds(1)))  // 413 written at once
        deadlines.bodyReceived(10_000)
        #expect(deadlines.deadline()?.expiry == .body)
        deadlines.requestEnded(at: start.advanced(by: .seconds(2)))
        #expect(deadlines.expired(at: start.advanced(by: .seconds(61))) == nil)
        #expect(deadlines.expired(at: start.advanced(by: .seconds(62))) == .idle)
    }

    @Test func capsRefuseTheClientOverItsCapAndEveryoneOverTheTotal() throws {
        var caps = ConnectionCaps(perClient: 2, perProxy: 3, total: 4)
        let hostile = try #require(IPAddress("127.0.0.2")), good = try #require(IPAddress("127.0.0.1"))
        let proxy = try #require(IPAddress("10.0.0.1"))
        let decisions = [
            caps.admit(hostile, isProxy: false), caps.admit(hostile, isProxy: false), caps.admit(hostile, isProxy: false),
            caps.admit(good, isProxy: false), caps.admit(proxy, isProxy: true), caps.admit(proxy, isProxy: true),
        ]
        #expect(decisions == [.admit, .admit, .overClientCap, .admit, .admit, .overTotalCap])
        #expect(caps.openCount == 4)
        caps.release(hostile)
        #expect(caps.openCount(from: hostile) == 1)
        let afterRelease = [caps.admit(proxy, isProxy: true), caps.admit(nil, isProxy: false)]
        #expect(afterRelease == [.admit, .overTotalCap])
        caps.release(good)
        let anonymous = caps.admit(nil, isProxy: false)  // no address: the total only
        #expect(anonymous == .admit)
    }

    @Test func anIPv6ClientIsCountedByItsSlash64() throws {
        var caps = ConnectionCaps(perClient: 1, perProxy: nil, total: 10)
        let addresses = try ["2001:db8:1:2::5", "2001:db8:1:2::6", "2001:db8:1:3::5"].map { try #require(IPAddress($0)) }
        let decisions = addresses.map { caps.admit($0, isProxy: false) }
        #expect(decisions == [.admit, .overClientCap, .admit])
    }

    @Test func theDerivedTotalLeavesRoomAndStaysWithinBounds() {
        #expect(ConnectionLimits.derivedMaxConnections(openFileLimit: 1024, inUse: 30, reserved: 192) == 802)
        #expect(ConnectionLimits.derivedMaxConnections(openFileLimit: 1_048_576, inUse: 30, reserved: 192) == ConnectionLimits.derivedCeiling)
        #expect(ConnectionLimits.derivedMaxConnections(openFileLimit: 100, inUse: 30, reserved: 192) == 16)
    }

    @Test func theLogThrottleWritesOneLinePerClientPerIntervalAndCountsTheRest() {
        let clock = ManualClock()
        let start = clock.now
        var throttle = LogThrottle(interval: .seconds(60), perSecond: 1, burst: 3, now: start)
        let first = throttle.admit("127.0.0.2", at: start)
        #expect(first == 0)
        let repeated = (0..<50).compactMap { _ in throttle.admit("127.0.0.2", at: start.advanced(by: .seconds(1))) }
        #expect(repeated.isEmpty)
        let later = throttle.admit("127.0.0.2", at: start.advanced(by: .seconds(60)))
        #expect(later == 50)
        // Many clients at once: the overall budget (burst 3, then 1 a second) holds.
        let written = (0..<100).compactMap { throttle.admit("10.0.0.\($0)", at: start.advanced(by: .seconds(61))) }.count
        #expect(written <= 3)
    }
}
