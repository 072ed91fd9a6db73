import AcuhookInbound
import AcuhookTesting
import Testing

@Suite struct NetworkTests {
    @Test func parsesAndMatchesRanges() throws {
        let v4 = try #require(CIDRRange("10.0.0.0/8"))
        #expect(v4.contains(try #require(IPAddress("10.200.1.1"))))
        #expect(!v4.contains(try #require(IPAddress("11.0.0.1"))))
        #expect(v4.contains(try #require(IPAddress("::ffff:10.1.2.3"))))  // IPv4-mapped peer
        let v6 = try #require(CIDRRange("2001:db8::/32"))
        #expect(v6.contains(try #require(IPAddress("2001:db8:1::5"))))
        #expect(!v6.contains(try #require(IPAddress("2001:db9::5"))))
        let single = try #require(CIDRRange("192.0.2.7"))
        #expect(single.contains(try #require(IPAddress("192.0.2.7"))))
        #expect(!single.contains(try #require(IPAddress("192.0.2.8"))))
        #expect(CIDRRange("10.0.0.0/33") == nil && CIDRRange("banana") == nil && IPAddress("1.2.3") == nil)
        #expect(IPAddress("[::1]")?.description == "::1" && IPAddress("192.0.2.1")?.description == "192.0.2.1")
        let everything = try #require(CIDRRange("0.0.0.0/0"))
        #expect(everything.contains(try #require(IPAddress("203.0.113.9"))))
    }

    @Test func forwardingHeadersAreBelievedOnlyFromTrustedProxies() throws {
        let resolver = ClientAddressResolver(trustedProxies: [try #require(CIDRRange("10.0.0.0/8"))])
        let spoof = DeliveryHeaders([("X-Forwarded-For", "1.2.3.4")])
        #expect(resolver.resolve(peer: "203.0.113.5", headers: spoof)?.description == "203.0.113.5")
        let chain = DeliveryHeaders([("X-Forwarded-For", "1.2.3.4, 198.51.100.7, 10.0.0.2")])
        #expect(resolver.resolve(peer: "10.0.0.1", headers: chain)?.description == "198.51.100.7")
        let forwarded = DeliveryHeaders([("Forwarded", #"for=192.0.2.60;proto=https, for="[2001:db8::1]:4711""#)])
        #expect(resolver.resolve(peer: "10.0.0.1", headers: forwarded)?.description == "2001:db8::1")
        #expect(resolver.resolve(peer: "10.0.0.1", headers: DeliveryHeaders([]))?.description == "10.0.0.1")
        #expect(resolver.resolve(peer: nil, headers: chain) == nil)
    }

    @Test func allowList() throws {
        let list = IPAllowList([try #require(CIDRRange("192.0.2.0/24")), try #require(CIDRRange("2001:db8::/32"))])
        #expect(list.allows(IPAddress("192.0.2.200")) && list.allows(IPAddress("2001:db8::9")))
        #expect(!list.allows(IPAddress("198.51.100.1")) && !list.allows(nil))
        #expect(IPAllowList([]).allows(nil))
    }

    @Test func tokenBucketsPerClientAndPerSource() {
        let clock = ManualClock()
        let limiter = RateLimiter(
            perSource: RateLimit(requestsPerSecond: 10, burst: 5),
            perClient: RateLimit(requestsPerSecond: 1, burst: 2),
            clock: clock
        )
        #expect(limiter.check(client: "a") == .allowed)
        #expect(limiter.check(client: "a") == .allowed)
        #expect(limiter.check(client: "a") == .limited(retryAfterSeconds: 1, scope: "client"))
        #expect(limiter.check(client: "b") == .allowed)
        #expect(limiter.check(client: "c") == .allowed)
        #expect(limiter.check(client: "d") == .allowed)
        // Five tokens of the source are spent (a, a, b, c, d).
        #expect(limiter.check(client: "e") == .limited(retryAfterSeconds: 1, scope: "source"))
        clock.advance(by: .seconds(1))
        #expect(limiter.check(client: "a") == .allowed)
    }

    @Test func clientMapStaysBounded() {
        let clock = ManualClock()
        let limiter = RateLimiter(perSource: nil, perClient: RateLimit(requestsPerSecond: 1, burst: 1), maxClients: 100, clock: clock)
        for index in 0..<1000 { _ = limiter.check(client: "10.0.\(index / 256).\(index % 256)") }
        #expect(limiter.trackedClients <= 100)
    }
}
