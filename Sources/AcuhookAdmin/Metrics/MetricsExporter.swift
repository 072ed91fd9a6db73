import AcuhookCore
import AcuhookStore
import CoreMetrics
import Prometheus
import Synchronization

/// `GET /metrics`: the registry the swift-metrics system writes into, plus the figures read at
/// scrape time — jobs by state, dead letters by plugin and reason, the oldest due job's age per
/// plugin (one read of the store) and the process's own (`/proc`) — in Prometheus' text format,
/// with a `# HELP` line for each metric.
///
/// - Important: Thread-safe; concurrent scrapes each read the store.
public final class MetricsExporter: Sendable {
    /// The registry ``factory`` writes into.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory writing into ``registry``.
    public let factory: PrometheusMetricsFactory
    private let store: any JobQueue
    private let plugins: @Sendable () -> [String]
    private let rateLimited: @Sendable () -> Set<String>
    private let wallClock: any WallClock
    /// Series set to a non-zero value at the last scrape, so they go back to 0 rather than
    /// keep a stale value when their jobs are gone.
    private let lastDeadLetters = Mutex<Set<[String]>>([])
    private let cpuSeconds = Mutex(0.0)

    /// A factory writing into a new registry, with Acuhook's histogram buckets: bootstrap the
    /// metrics system with it (or hand it to the parts), then export it with
    /// ``init(factory:store:plugins:wallClock:)``.
    public static func makeFactory() -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
        // Deliveries and commits take well under the default 5 ms first bucket.
        let fine: [Duration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5),
        ]
        factory.durationHistogramBuckets = [
            "acuhook_delivery_duration_seconds": fine,
            "acuhook_store_commit_duration_seconds": fine,
            "acuhook_plugin_call_duration_seconds": [
                .microseconds(100), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
            ],
        ]
        factory.valueHistogramBuckets = ["acuhook_store_commit_deliveries": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]]
        return factory
    }

    /// Exports `factory`'s registry, reading queue figures from `store` for the loaded `plugins`
    /// (of which `rateLimited` have a `rate`: their due jobs are reported as waiting for it).
    public init(
        factory: PrometheusMetricsFactory = MetricsExporter.makeFactory(),
        store: any JobQueue,
        plugins: @escaping @Sendable () -> [String],
        rateLimited: @escaping @Sendable () -> Set<String> = { [] },
        wallClock: any WallClock = SystemWallClock()
    ) {
        self.registry = factory.registry
        self.factory = factory
        self.store = store
        self.plugins = plugins
        self.rateLimited = rateLimited
        self.wallClock = wallClock
    }

    /// The exposition: store and process figures refreshed, then every series.
    /// - Throws: ``StoreError`` when the store cannot be read (the scrape fails rather than
    ///   report stale queue figures).
    public func scrape() async throws(StoreError) -> [UInt8] {
        let now = wallClock.nowUnixMilliseconds
        let summary = try await store.queueSummary(nowUnixMilliseconds: now)
        update(summary, nowUnixMilliseconds: now)
        if let process = ProcessStatistics.read() { update(process) }
        return MetricDescriptions.addingHelp(to: registry.emitToBuffer())
    }

    private func update(_ summary: QueueSummary, nowUnixMilliseconds now: Int64) {
        for state in JobState.allCases {
            gauge("acuhook_jobs", [("state", state.rawValue)]).record(summary.jobs[state] ?? 0)
        }
        for plugin in Set(plugins()).union(summary.earliestDueByPlugin.keys) {
            gauge("acuhook_oldest_pending_job_age_seconds", [("plugin", plugin)]).record(summary.oldestPendingAge(of: plugin, nowUnixMilliseconds: now).inSeconds)
        }
        // A rate-limited plugin's due jobs wait for its tokens; every loaded plugin has the series.
        let rated = rateLimited()
        for plugin in plugins() {
            gauge("acuhook_jobs_waiting_for_rate", [("plugin", plugin)]).record(rated.contains(plugin) ? summary.dueByPlugin[plugin] ?? 0 : 0)
        }
        var seen = Set<[String]>()
        for count in summary.deadLetters {
            seen.insert([count.plugin, count.reason.rawValue])
            gauge("acuhook_dead_letters", [("plugin", count.plugin), ("reason", count.reason.rawValue)]).record(count.count)
        }
        let gone = lastDeadLetters.withLock { last in
            defer { last = seen }
            return last.subtracting(seen)
        }
        for key in gone { gauge("acuhook_dead_letters", [("plugin", key[0]), ("reason", key[1])]).record(0) }
    }

    private func update(_ process: ProcessStatistics) {
        gauge("process_resident_memory_bytes").record(process.residentBytes)
        gauge("process_open_fds").record(process.openFileDescriptors)
        gauge("process_max_fds").record(process.maxFileDescriptors)
        gauge("process_start_time_seconds").record(process.startTimeSeconds)
        // A counter, read whole from /proc: advanced by what was used since the last scrape.
        let used = cpuSeconds.withLock { last in
            defer { last = max(last, process.cpuSeconds) }
            return max(0, process.cpuSeconds - last)
        }
        FloatingPointCounter(label: "process_cpu_seconds_total", factory: factory).increment(by: used)
    }

    private func gauge(_ name: String, _ labels: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
    }
}
