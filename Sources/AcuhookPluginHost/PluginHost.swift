import AcuhookCore
import CoreMetrics
import Foundation
import Logging
import NIOPosix
import Synchronization

/// The loaded plugins, their runners and the routing table: built from the settings at start,
/// rebuilt by ``reload(_:copiesDirectory:)``, re-routed by ``apply(_:)``.
///
/// A plugin that fails to load at start is reported in ``failures`` and logged; the others run
/// without it. Readers (``runners``, ``router``) always see one consistent generation.
public final class PluginHost<C: Clock>: Sendable where C.Duration == Duration {
    /// One generation of loaded plugins.
    struct Generation: Sendable {
        var runners: [String: any PluginRunner] = [:]
        var order: [String] = []
        var configuredRoutes: [RouteEntry] = []
        var settings: [String: PluginSettings] = [:]
        /// Where each plugin's image was loaded from and the content hash of its file then.
        var sources: [String: (configuredPath: String, loadedPath: String, hash: UInt64)] = [:]
        var failures: [PluginLoadError] = []
        var routing = RoutingPolicy(router: Router(entries: []), settings: [:])
        /// The routing table; setting it rebuilds ``routing`` with the generation's settings.
        var router: Router {
            get { routing.router }
            set { routing = RoutingPolicy(router: newValue, settings: settings) }
        }
    }

    /// Runners by plugin name: in-process or in worker processes, as configured.
    public var runners: [String: any PluginRunner] { state.withLock { $0.runners } }
    /// Plugin names in priority (configuration) order.
    public var order: [String] { state.withLock { $0.order } }
    /// Event type → plugins: the configured routes with the runtime overrides applied.
    public var router: Router { state.withLock { $0.router } }
    /// The routes as configured (plugin defaults and the configuration file), before overrides.
    public var configuredRoutes: [RouteEntry] { state.withLock { $0.configuredRoutes } }
    /// Plugins that could not be loaded, in configuration order.
    public var failures: [PluginLoadError] { state.withLock { $0.failures } }
    /// The settings a loaded plugin runs with.
    public func settings(for plugin: String) -> PluginSettings? { state.withLock { $0.settings[plugin] } }
    /// Where an event goes now: its plugins, with their ordering and debounce settings. The one
    /// routing decision, for received and derived events alike (see ``RoutingPolicy``).
    public func route(_ eventType: String, orderedByDefault: Bool) -> RouteDecision {
        state.withLock { $0.routing }.decide(eventType, orderedByDefault: orderedByDefault)
    }
    /// The thread pool every in-process plugin call runs on.
    public let pool: NIOThreadPool

    private let state: Mutex<Generation>
    private let overrides = Mutex<[RuntimeOverride]>([])
    private let heldBreakers = Mutex<[String: HeldBreakerState]>([:])
    private let resetsSeen = Mutex<[String: Int64]>([:])
    private let reloading = Mutex(false)
    private let clock: C
    private let logger: Logger
    private let workerExecutable: String
    private let metricsFactory: any MetricsFactory
    private let reloadsApplied: Counter
    private let reloadsFailed: Counter

    /// Loads every enabled plugin in `settings`. Plugins of the plugins folder are loaded from
    /// private copies in `copiesDirectory` (a file there may be overwritten in place while
    /// mapped); without it, from where they are. Each plugin's metrics, and the reload counter
    /// (`acuhook_reloads_total{result}`), are made by `metricsFactory`.
    public init(
        settings: PluginHostSettings, copiesDirectory: URL? = nil, clock: C, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.clock = clock
        self.logger = logger
        self.metricsFactory = metricsFactory
        self.reloadsApplied = Counter(label: "acuhook_reloads_total", dimensions: [("result", "applied")], factory: metricsFactory)
        self.reloadsFailed = Counter(label: "acuhook_reloads_total", dimensions: [("result", "failed")], factory: metricsFactory)
        self.workerExecutable = settings.workerExecutable ?? Self.defaultWorkerExecutable()
        let wanted = settings.plugins.filter { $0.enabled && $0.isolation == .inProcess }.reduce(0) { $0 + max(1, $1.maxConcurrency) }
        let threads = max(1, min(wanted, settings.maxThreads))
        if wanted > settings.maxThreads {
            logger.warning(
                "plugins' concurrency limits add up to more than the thread cap; a hanging plugin can delay the others",
                metadata: ["acuhook.pool.wanted": "\(wanted)", "acuhook.pool.threads": "\(threads)"]
            )
        }
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        self.pool = pool
        self.state = Mutex(Generation())
        let (generation, _) = build(settings, previous: Generation(), copiesDirectory: copiesDirectory, starting: true)
        state.withLock { $0 = generation }
    }

    /// Loads `settings` beside the running plugins and, if every enabled plugin loads, switches
    /// to them in one step; otherwise keeps the running ones and reports why.
    ///
    /// A plugin whose file and settings are unchanged keeps its runner (and instance). A plugin
    /// whose file changed (by content hash) is loaded from a fresh copy in `copiesDirectory`,
    /// so `dlopen` maps the new code rather than returning the old image; its `create` runs
    /// before the switch. Calls in flight finish on the old runners; an old in-process instance
    /// is destroyed when its last call returns, an old worker when its calls are done. Old
    /// images stay mapped (`RTLD_NODELETE`: unloading Swift code is unsafe), so each changed
    /// version costs its image's memory until the process restarts.
    public func reload(_ settings: PluginHostSettings, copiesDirectory: URL) async -> PluginReloadReport {
        guard reloading.withLock({ busy in defer { busy = true }; return !busy }) else {
            countReload(applied: false)
            return PluginReloadReport(applied: false, errors: ["a reload is already running"])
        }
        defer { reloading.withLock { $0 = false } }
        let previous = state.withLock { $0 }
        var (next, report) = build(settings, previous: previous, copiesDirectory: copiesDirectory, starting: false)
        guard report.errors.isEmpty else {
            // Nothing switches; new workers are stopped, new instances destroyed with their runners.
            for (name, runner) in next.runners where previous.runners[name].map({ $0 as AnyObject }) !== (runner as AnyObject) {
                await runner.shutdown(grace: .zero)
            }
            logger.error("reload failed; the previous plugins keep running", metadata: ["acuhook.reload.errors": "\(report.errors.joined(separator: "; "))"])
            countReload(applied: false)
            return report
        }
        next.router = Router(entries: routes(next.configuredRoutes, next.runners))
        state.withLock { $0 = next }
        report.applied = true
        countReload(applied: true)
        applyBreakers()
        for (name, runner) in previous.runners where next.runners[name].map({ $0 as AnyObject }) !== (runner as AnyObject) {
            await runner.shutdown()
        }
        logger.notice(
            "reload applied",
            metadata: [
                "acuhook.reload.added": "\(report.added.joined(separator: ","))",
                "acuhook.reload.replaced": "\(report.replaced.joined(separator: ","))",
                "acuhook.reload.removed": "\(report.removed.joined(separator: ","))",
                "acuhook.reload.kept": "\(report.kept.joined(separator: ","))",
            ]
        )
        return report
    }

    /// Counts a reload attempt in `acuhook_reloads_total{result="applied"|"failed"}`. The host
    /// counts its own; the caller counts a reload that failed before reaching it (a
    /// configuration file that does not parse).
    public func countReload(applied: Bool) {
        (applied ? reloadsApplied : reloadsFailed).increment()
    }

    /// Builds a generation from `settings`, reusing `previous` runners whose file and settings
    /// are unchanged. At start failures are kept in the generation; in
    /// a reload they are errors.
    private func build(_ settings: PluginHostSettings, previous: Generation, copiesDirectory: URL?, starting: Bool) -> (Generation, PluginReloadReport) {
        var limits = PluginInstance.Limits()
        limits.maxOutputBytes = settings.maxOutputBytes
        limits.maxDerivedEvents = settings.maxDerivedEventsPerCall
        limits.maxDerivationDepth = settings.maxDerivationDepth
        var next = Generation()
        var report = PluginReloadReport(applied: false)
        let configured = settings.plugins.filter(\.enabled)
        var loadFrom = configured
        var hashes: [UInt64] = []
        for index in configured.indices {
            let path = configured[index].path
            let hash = Self.contentHash(path) ?? 0  // 0: unreadable; the catalog reports it
            hashes.append(hash)
            // A file that changed since it was loaded is loaded from a fresh copy, so that
            // dlopen maps the new code instead of returning the old image.
            guard let copiesDirectory, hash != 0 else { continue }
            let earlier = previous.sources.values.first(where: { $0.configuredPath == path })
            if let earlier, earlier.hash == hash {
                loadFrom[index].path = earlier.loadedPath
                continue
            }
            // Files of the plugins folder are always loaded from a copy.
            guard earlier != nil || configured[index].origin == .folder else { continue }
            let copy = copiesDirectory.appendingPathComponent("\(String(hash, radix: 16))-\(URL(fileURLWithPath: path).lastPathComponent)")
            do {
                try FileManager.default.createDirectory(at: copiesDirectory, withIntermediateDirectories: true)
                if !FileManager.default.fileExists(atPath: copy.path) { try FileManager.default.copyItem(atPath: path, toPath: copy.path) }
                loadFrom[index].path = copy.path
            } catch {
                report.errors.append("\(path): cannot copy it to \(copy.path): \(error)")
            }
        }
        for (index, inspected) in PluginCatalog.inspect(configured, loadPaths: loadFrom.map(\.path), logger: logger).enumerated() {
            let pluginSettings = configured[index]
            let loadedPath = loadFrom[index].path
            do throws(PluginLoadError) {
                let (image, route) = try inspected.loaded.get()
                if let old = previous.runners[image.name], previous.settings[image.name] == pluginSettings, previous.sources[image.name]?.loadedPath == loadedPath {
                    next.runners[image.name] = old
                    report.kept.append(image.name)
                } else {
                    let runner: any PluginRunner
                    if pluginSettings.isolation == .process {
                        var workerSettings = pluginSettings
                        workerSettings.path = loadedPath
                        runner = GuardedPluginRunner(
                            image: image, settings: workerSettings, limits: limits, executable: workerExecutable, clock: clock, logger: logger,
                            metrics: PluginMetrics(plugin: image.name, factory: metricsFactory)
                        )
                    } else {
                        let instance = try PluginInstance(image: image, configJSON: pluginSettings.configJSON, limits: limits, logger: logger)
                        runner = GuardedPluginRunner(
                            instance: instance, timeout: pluginSettings.timeout, maxConcurrency: pluginSettings.maxConcurrency,
                            batches: pluginSettings.batch != nil, breaker: pluginSettings.breaker, pool: pool, clock: clock, logger: logger,
                            metrics: PluginMetrics(plugin: image.name, factory: metricsFactory)
                        )
                    }
                    next.runners[image.name] = runner
                    if previous.runners[image.name] == nil { report.added.append(image.name) } else { report.replaced.append(image.name) }
                    logger.info(
                        "plugin loaded",
                        metadata: [
                            "acuhook.plugin": "\(image.name)",
                            "acuhook.plugin.version": "\(image.version)",
                            "acuhook.plugin.abi": "\(image.abiMajor).\(image.abiMinor)",
                            "acuhook.plugin.path": "\(image.path)",
                            "acuhook.plugin.isolation": "\(pluginSettings.isolation.rawValue)",
                        ]
                    )
                }
                next.order.append(image.name)
                next.configuredRoutes.append(route)
                next.settings[image.name] = pluginSettings
                next.sources[image.name] = (configuredPath: pluginSettings.path, loadedPath: loadedPath, hash: hashes[index])
            } catch {
                next.failures.append(error)
                // A bad file in the plugins folder is reported and left out; the others switch.
                if pluginSettings.origin == .folder { report.leftOut.append("\(error)") } else { report.errors.append("\(error)") }
                logger.error(
                    "plugin not loaded; running without it",
                    metadata: ["acuhook.plugin.path": "\(error.path)", "acuhook.error.code": "\(error.code.rawValue)", "acuhook.error": "\(error.message)"]
                )
            }
        }
        report.removed = previous.order.filter { next.runners[$0] == nil }
        if starting { next.router = Router(entries: next.configuredRoutes) }
        return (next, report)
    }

    /// FNV-1a over the file's bytes (change detection, not security); nil when unreadable.
    static func contentHash(_ path: String) -> UInt64? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    /// The runners that receive `eventType`, in priority order.
    public func runners(for eventType: String) -> [any PluginRunner] {
        let (router, runners) = state.withLock { ($0.router, $0.runners) }
        return router.plugins(for: eventType).compactMap { runners[$0] }
    }

    /// Applies the runtime overrides (the whole set, as stored): routes are rebuilt from the
    /// configured ones plus the overrides; a breaker with an override is held open or disabled,
    /// and one whose override was removed (or that an operator reset) is reset. Overrides for
    /// plugins not loaded are kept and ignored (they apply if the plugin appears after a reload).
    public func apply(_ overrides: [RuntimeOverride]) {
        self.overrides.withLock { $0 = overrides }
        state.withLock { generation in
            generation.router = Router(entries: routes(generation.configuredRoutes, generation.runners))
        }
        applyBreakers()
        logger.notice("runtime overrides applied", metadata: ["acuhook.overrides": "\(overrides.count)"])
    }

    /// The configured routes with the route overrides applied.
    private func routes(_ configured: [RouteEntry], _ runners: [String: any PluginRunner]) -> [RouteEntry] {
        var byPlugin: [String: [(pattern: EventPattern, enabled: Bool)]] = [:]
        for case .route(let plugin, let text, let enabled) in overrides.withLock({ $0 }) where runners[plugin] != nil {
            guard let pattern = try? EventPattern(parsing: text) else { continue }
            byPlugin[plugin, default: []].append((pattern, enabled))
        }
        return configured.map { $0.applying(byPlugin[$0.plugin] ?? []) }
    }

    private func applyBreakers() {
        let runners = self.runners
        var breakers: [String: HeldBreakerState] = [:]
        var resets: [String: Int64] = [:]
        for override in overrides.withLock({ $0 }) where runners[override.plugin] != nil {
            switch override {
            case .route: continue
            case .breaker(let plugin, let state): breakers[plugin] = state
            case .breakerReset(let plugin, let at): resets[plugin] = at
            }
        }
        let previous = heldBreakers.withLock { held in
            defer { held = breakers }
            return held
        }
        for (plugin, state) in breakers where previous[plugin] != state || runners[plugin]?.breakerState == .closed {
            runners[plugin]?.controlBreaker(state == .open ? .open : .disable, reason: "runtime override")
        }
        let newResets = resetsSeen.withLock { seen in
            defer { seen.merge(resets) { max($0, $1) } }
            return resets.filter { plugin, at in (seen[plugin] ?? Int64.min) < at }
        }
        for plugin in Set(previous.keys).union(newResets.keys) where breakers[plugin] == nil {
            runners[plugin]?.controlBreaker(.reset, reason: "operator reset")
        }
    }

    /// Lets every plugin's calls in flight finish for up to `grace`, then ends the rest (their
    /// callers get `unavailable`; a pool thread running a plugin that never returns stays lost).
    /// The dispatcher calls it when it stops, so that a hung plugin cannot hold shutdown up.
    public func endCalls(grace: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            for runner in runners.values { group.addTask { await runner.shutdown(grace: grace) } }
        }
    }

    /// Stops isolated plugins' workers, and the thread pool unless a plugin call still holds one
    /// of its threads (a hung plugin: waiting for it would never end; the process's exit ends it).
    public func shutdown() async throws {
        for runner in runners.values { await runner.shutdown() }
        let lost = runners.values.reduce(0) { $0 + $1.statistics.lost }
        guard lost == 0 else {
            logger.warning("plugin calls still hold pool threads; exiting without waiting for them", metadata: ["acuhook.plugin.lost_threads": "\(lost)"])
            return
        }
        try await pool.shutdownGracefully()
    }

    /// The `acuhook` binary that serves `plugin-worker`: this process's executable when it is
    /// `acuhook`, else an `acuhook` next to it (as in the package's build folder, for tests).
    public static func defaultWorkerExecutable() -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let url = URL(fileURLWithPath: me)
        if url.lastPathComponent == "acuhook" { return url.path }
        return url.deletingLastPathComponent().appendingPathComponent("acuhook").path
    }
}
