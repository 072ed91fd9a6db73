import AcuhookSQLite
import AcuhookTesting
import AcuhookCore
import AcuhookDispatch
import AcuhookPluginHost
import AcuhookPostgres
import AcuhookStore
import Foundation
import Logging
import ServiceLifecycle

/// The folder holding this binary and the plugins built with it.
let buildDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()

/// Quiet logs: warnings and worse.
func benchLogger() -> Logger {
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    return logger
}

/// A plugin of this build with the benchmark's concurrency (`BENCH_CONCURRENCY`, default 8).
func benchPlugin(_ product: String, events: [EventPattern]? = nil) -> PluginSettings {
    var plugin = PluginSettings(path: FixturePlugins.path(product))
    plugin.maxConcurrency = Int(ProcessInfo.processInfo.environment["BENCH_CONCURRENCY"] ?? "8") ?? 8
    if let events { plugin.events = events }
    if let ms = ProcessInfo.processInfo.environment["BENCH_TIMEOUT_MS"].flatMap(Int.init) { plugin.timeout = .milliseconds(ms) }
    return plugin
}

/// A fresh store: SQLite in the temporary folder (synchronous=FULL, as `serve` runs by
/// default), or, with `BENCH_DATABASE_URL` set, a new schema in that PostgreSQL database.
func benchStore(_ name: String) async throws -> any EventStore {
    if let url = ProcessInfo.processInfo.environment["BENCH_DATABASE_URL"], !url.isEmpty {
        var settings = try PostgresSettings(url: url)
        settings.schema = "bench_\(name.replacingOccurrences(of: "-", with: "_"))_\(UInt32.random(in: 0...UInt32.max))"
        return try await PostgresEventStore.open(settings, logger: benchLogger())
    }
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("acuhook-\(name)-\(UUID().uuidString).db").path
    var configuration = SQLiteEventStore.Configuration(path: path)
    // BENCH_COMMIT_DELAY_US: the group commit window (default: the store's).
    if let us = ProcessInfo.processInfo.environment["BENCH_COMMIT_DELAY_US"].flatMap(Int64.init) { configuration.commitDelay = .microseconds(us) }
    return try SQLiteEventStore(configuration: configuration, logger: benchLogger())
}

/// Stores `count` events (deliveries of 1,000), each routed to `plugins`, entity ids from `entity`.
func storeJobs(_ store: any EventStore, count: Int, plugins: [String], entity: (Int) -> String) async throws {
    let json = Array(#"{"eventType":"Customer.Updated","entityId":"C","data":{}}"#.utf8)
    let call = UUID().uuidString
    for batch in 0..<(count / 1000) {
        let events = (0..<1000).map { index in
            InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: entity(batch * 1000 + index), tenant: "T", orderingKey: "", json: json, plugins: plugins)
        }
        let delivery = Delivery(
            source: "bench", idempotencyKey: "\(call)-\(batch)", idempotencyKeyOrigin: "bench", format: .guide,
            receivedAtUnixMilliseconds: Int64(Date().timeIntervalSince1970 * 1000), body: json, headers: [], clientAddress: "-", events: events
        )
        _ = try await store.accept(delivery, keepKeyFor: .seconds(600))
    }
}

/// Runs a dispatcher over `store` and `host` until `done` holds; returns the seconds it took.
func dispatchUntil(_ store: any EventStore, _ host: PluginHost<ContinuousClock>, done: @escaping @Sendable () async throws -> Bool) async throws -> Double {
    let dispatcher = Dispatcher(store: store, host: host, logger: benchLogger())
    let group = ServiceGroup(configuration: .init(services: [dispatcher], logger: benchLogger()))
    let start = ContinuousClock.now
    var elapsed = Duration.zero
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        while try await !done() { try await Task.sleep(for: .milliseconds(5)) }
        elapsed = start.duration(to: .now)
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    return elapsed.inSeconds
}

/// Plugin calls per second through the dispatcher (claim → runner → no-op C plugin → durable
/// completion) for `jobs` stored jobs.
func runDispatchBenchmark(jobs: Int) async throws {
    let store = try await benchStore("dispatch")
    var settings = PluginHostSettings()
    let noop = benchPlugin("FixtureNoop")
    settings.plugins = [noop]
    let host = PluginHost(settings: settings, clock: ContinuousClock(), logger: benchLogger())
    guard host.failures.isEmpty else { fatalError("\(host.failures)") }
    try await storeJobs(store, count: jobs, plugins: ["fixture-noop"]) { "C\($0)" }
    let total = (jobs / 1000) * 1000
    print("after storing: RSS \(memory("VmRSS")), peak \(memory("VmHWM"))")
    print("dispatch: \(total) stored jobs → FixtureNoop (max_concurrency \(noop.maxConcurrency)), \(store is SQLiteEventStore ? "SQLite synchronous=FULL" : "PostgreSQL")")
    // Polls the runner's call counter, not the store: a GROUP BY over the jobs every 5 ms took
    // a measurable share of the two cores. (Outcomes still being flushed at the end — at most
    // one batch — fall outside the measured time.)
    let noopRunner = host.runners["fixture-noop"]!
    let seconds = try await dispatchUntil(store, host) { noopRunner.statistics.calls >= total }
    let goal = store is SQLiteEventStore ? "20,000" : "10,000"
    print(String(format: "  %d calls in %.2f s = %.0f calls/s (goal ≥ %@)", total, seconds, Double(total) / seconds, goal))
    print("after dispatching: RSS \(memory("VmRSS")), peak \(memory("VmHWM")) (the dispatcher holds at most claim_batch jobs)")
    try await host.shutdown()
    await store.close()
}

/// A healthy plugin's dispatch rate alone vs. next to a plugin that fails every call (its breaker
/// opens and its jobs are held), alternating A/B rounds; prints each and the ratio.
func runDispatchIsolationBenchmark(jobs: Int, rounds: Int = 3) async throws {
    print("dispatch isolation: \(jobs) jobs for FixtureNoop; B also routes every event to FixtureScripted answering RETRY")
    var alone: [Double] = []
    var beside: [Double] = []
    for round in 1...rounds {
        for withFailing in [false, true] {
            let store = try await benchStore("isolation")
            var settings = PluginHostSettings()
            settings.plugins = [benchPlugin("FixtureNoop")] + (withFailing ? [benchPlugin("FixtureScripted")] : [])
            let host = PluginHost(settings: settings, clock: ContinuousClock(), logger: benchLogger())
            guard host.failures.isEmpty else { fatalError("\(host.failures)") }
            let plugins = withFailing ? ["fixture-noop", "fixture-scripted"] : ["fixture-noop"]
            try await storeJobs(store, count: jobs, plugins: plugins) { _ in ProcessInfo.processInfo.environment["BENCH_ENTITY"] ?? "retry" }
            let noop = host.runners["fixture-noop"]!
            let seconds = try await dispatchUntil(store, host) { noop.statistics.calls >= jobs }
            let rate = Double(jobs) / seconds
            if withFailing {
                beside.append(rate)
                let failing = host.runners["fixture-scripted"]!.statistics
                print(String(
                    format: "  round %d B: %.0f healthy calls/s beside the failing plugin (its calls %d, not attempted %d, breaker %@)",
                    round, rate, failing.calls, failing.notAttempted, host.runners["fixture-scripted"]!.breakerState.rawValue
                ))
            } else {
                alone.append(rate)
                print(String(format: "  round %d A: %.0f healthy calls/s alone", round, rate))
            }
            try await host.shutdown()
        }
    }
    let a = alone.sorted()[alone.count / 2]
    let b = beside.sorted()[beside.count / 2]
    print(String(format: "  median: alone %.0f, beside the failing plugin %.0f → %.2f× (goal: within 10%%, i.e. ≥ 0.90×)", a, b, b / a))
}

/// A line of /proc/self/status (`VmRSS`, `VmHWM`), e.g. "31240 kB".
func memory(_ key: String) -> String {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix(key + ":") }
    return line.map { $0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces) } ?? "?"
}
