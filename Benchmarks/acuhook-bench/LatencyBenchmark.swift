import AcuhookCore
import AcuhookDispatch
import AcuhookInbound
import AcuhookPluginHost
import AcuhookServer
import AcuhookStore
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC in nanoseconds (the clock FixtureStamp records with).
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Receive → plugin latency at a fixed offered rate: signed seed deliveries go through the full
/// receive pipeline (verify, normalise, route, durable SQLite commit with its jobs) and the
/// dispatcher into FixtureStamp, which records when each event reached it. Latency is measured
/// from each delivery's *scheduled* send time (no coordinated omission). HTTP parsing is not
/// included (see the receive benchmark for it).
func runLatencyBenchmark(rate: Int, seconds: Int) async throws {
    let total = rate * seconds
    precondition(total < 1 << 21, "FixtureStamp has 2^21 slots")
    let secret = "bench-secret"
    let store = try await benchStore("latency")
    var settings = PluginHostSettings()
    settings.plugins = [benchPlugin("FixtureStamp")]
    let host = PluginHost(settings: settings, clock: ContinuousClock(), logger: benchLogger())
    guard host.failures.isEmpty else { fatalError("\(host.failures)") }
    guard let image = dlopen(settings.plugins[0].path, RTLD_NOW | RTLD_NOLOAD), let symbol = dlsym(image, "acuhook_fixture_stamps") else {
        fatalError("cannot find FixtureStamp's stamps")
    }
    let stamps = symbol.assumingMemoryBound(to: UInt64.self)
    let dispatcher = Dispatcher(store: store, host: host, logger: benchLogger())
    let router = host.router
    let pipeline = try DeliveryPipeline(
        server: ServerSettings(),
        sources: [SourceSettings(name: "acumatica", authentication: .hmacSHA256(header: "X-Acumatica-Signature", secrets: [secret]))],
        store: store,
        retention: .seconds(600),
        logger: benchLogger(),
        route: { event, _ in RouteDecision(plugins: router.plugins(for: event.eventType)) },
        onStored: { dispatcher.wakeup.signal() }
    )
    // The sender's work (bodies, signatures) is done before the clock starts.
    let template = benchmarkBody()
    let requests: [(body: [UInt8], headers: DeliveryHeaders)] = (0..<total).map { n in
        let body = Array(template.replacingOccurrences(of: #""entityId":"CUST001""#, with: #""entityId":"\#(n)""#).utf8)
        let headers = DeliveryHeaders([
            ("content-type", "application/json"), ("x-acumatica-event", "Customer.Updated"),
            ("x-acumatica-signature", HMACSignatureAuthenticator.sign(body, secret: secret)), ("x-acumatica-delivery", "lat-\(n)"),
        ])
        return (body, headers)
    }
    print("latency: \(total) signed seed deliveries at \(rate)/s for \(seconds) s → pipeline → SQLite (FULL) → dispatcher → FixtureStamp")
    let group = ServiceGroup(configuration: .init(services: [dispatcher], logger: benchLogger()))
    // When each delivery was answered (its commit done): splits the latency into receive and dispatch.
    let answered = UnsafeMutablePointer<UInt64>.allocate(capacity: total)
    answered.initialize(repeating: 0, count: total)
    nonisolated(unsafe) let answeredAt = answered
    let interval = 1_000_000_000 / UInt64(rate)
    let start = monotonicNanoseconds() + 50_000_000
    var refused = 0
    var lateSends = 0
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        if ProcessInfo.processInfo.environment["BENCH_NO_DISPATCH"] == nil { tasks.addTask { try await group.run() } }
        refused = await withTaskGroup(of: Int.self) { senders in
            var next = 0
            while next < total {
                let now = monotonicNanoseconds()
                while next < total, start + UInt64(next) * interval <= now {
                    let n = next
                    if now - (start + UInt64(n) * interval) > 5_000_000 { lateSends += 1 }
                    senders.addTask {
                        let (body, headers) = requests[n]
                        guard case .proceed(let admitted) = pipeline.preflight(
                            source: "acumatica", contentType: "application/json", contentLength: body.count, headers: headers, peer: "127.0.0.1"
                        ) else { return 1 }
                        let status = await pipeline.deliver(admitted, body: body, headers: headers).status
                        answeredAt[n] = monotonicNanoseconds()
                        return status == 200 ? 0 : 1
                    }
                    next += 1
                }
                try? await Task.sleep(for: .microseconds(500))
            }
            return await senders.reduce(0, +)
        }
        let deadline = monotonicNanoseconds() + (ProcessInfo.processInfo.environment["BENCH_NO_DISPATCH"] == nil ? 30_000_000_000 : 0)
        while (0..<total).contains(where: { stamps[$0] == 0 }), monotonicNanoseconds() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    func report(_ name: String, from: (Int) -> UInt64, to: (Int) -> UInt64) {
        var latencies: [Double] = []
        latencies.reserveCapacity(total)
        for n in 0..<total where to(n) != 0 && from(n) != 0 {
            latencies.append(Double(Int64(to(n)) - Int64(from(n))) / 1e6)
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        print(String(
            format: "  %@ %6d: p50 %7.2f ms, p90 %7.2f ms, p99 %7.2f ms, max %7.2f ms",
            name.padding(toLength: 28, withPad: " ", startingAt: 0), latencies.count, percentile(0.5), percentile(0.9), percentile(0.99), latencies.last ?? .nan
        ))
    }
    print("  offered \(total), refused \(refused), sends more than 5 ms behind schedule \(lateSends)")
    report("scheduled send → answered", from: { start + UInt64($0) * interval }, to: { answered[$0] })
    report("answered → plugin called", from: { answered[$0] }, to: { stamps[$0] })
    report("scheduled send → plugin", from: { start + UInt64($0) * interval }, to: { stamps[$0] })
    print("  (goal: receive → plugin p50 ≤ 5 ms at 5,000 events/s)")
    if ProcessInfo.processInfo.environment["BENCH_TIMELINE"] != nil {
        // The worst answer latency per 100 ms of schedule: shows when stalls happen.
        let perWindow = max(1, rate / 10)
        for window in stride(from: 0, to: total, by: perWindow) {
            let worst = (window..<min(total, window + perWindow)).map { Double(Int64(answered[$0]) - Int64(start + UInt64($0) * interval)) / 1e6 }.max() ?? 0
            print(String(format: "    t=%5.1f s worst answer %7.2f ms", Double(window) / Double(rate), worst))
        }
    }
    answered.deallocate()
    try await host.shutdown()
}
