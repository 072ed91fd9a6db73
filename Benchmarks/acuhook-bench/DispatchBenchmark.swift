import AcuhookCore
import AcuhookDispatch
import AcuhookPluginHost
import AcuhookStore
import Foundation
import Logging
import ServiceLifecycle

/// Plugin calls per second through the dispatcher (claim → runner → no-op C plugin → durable
/// completion) for `jobs` stored jobs.
func runDispatchBenchmark(jobs: Int) async throws {
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("acuhook-dispatch-\(UUID().uuidString).db").path
    let store = try SQLiteEventStore(configuration: .init(path: path), logger: logger)
    var settings = PluginHostSettings()
    var noop = PluginSettings(path: directory.appendingPathComponent("libFixtureNoop.so").path)
    noop.maxConcurrency = Int(ProcessInfo.processInfo.environment["BENCH_CONCURRENCY"] ?? "8") ?? 8
    settings.plugins = [noop]
    let host = PluginHost(settings: settings, clock: ContinuousClock(), logger: logger)
    guard host.failures.isEmpty else { fatalError("\(host.failures)") }

    // Store the jobs: deliveries of 1,000 events each, every event routed to the no-op plugin.
    let json = Array(#"{"eventType":"Customer.Updated","entityId":"C","data":{}}"#.utf8)
    for batch in 0..<(jobs / 1000) {
        let events = (0..<1000).map { index in
            InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: "C\(batch * 1000 + index)", tenant: "T", orderingKey: "", json: json, plugins: ["fixture-noop"])
        }
        let delivery = Delivery(
            source: "bench", idempotencyKey: "b\(batch)", idempotencyKeyOrigin: "bench", format: "seed",
            receivedAtUnixMilliseconds: Int64(Date().timeIntervalSince1970 * 1000), body: json, headers: [], clientAddress: "-", events: events
        )
        _ = try await store.accept(delivery, keepKeyFor: .seconds(600))
    }
    let total = (jobs / 1000) * 1000
    print("after storing: RSS \(memory("VmRSS")), peak \(memory("VmHWM"))")
    print("dispatch: \(total) stored jobs → FixtureNoop (max_concurrency \(noop.maxConcurrency)), SQLite synchronous=FULL")
    let dispatcher = Dispatcher(store: store, host: host, logger: logger)
    let group = ServiceGroup(configuration: .init(services: [dispatcher], logger: logger))
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        while true {
            let counts = try await store.jobCounts()
            if counts["done", default: 0] == total { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    let elapsed = start.duration(to: .now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(String(format: "  %d calls in %.2f s = %.0f calls/s (goal ≥ 20,000)", total, seconds, Double(total) / seconds))
    print("after dispatching: RSS \(memory("VmRSS")), peak \(memory("VmHWM")) (the dispatcher holds at most claim_batch jobs)")
    try await host.shutdown()
}

/// A line of /proc/self/status (`VmRSS`, `VmHWM`), e.g. "31240 kB".
func memory(_ key: String) -> String {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix(key + ":") }
    return line.map { $0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces) } ?? "?"
}
