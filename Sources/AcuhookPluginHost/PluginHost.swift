import AcuhookCore
import Foundation
import Logging
import NIOPosix
import Synchronization

/// The loaded plugins, their runners and the routing table, built once from the settings.
///
/// A plugin that fails to load is reported in ``failures`` and logged; the others run without it.
public final class PluginHost<C: Clock>: Sendable where C.Duration == Duration {
    /// Runners by plugin name: in-process or in worker processes, as configured.
    public let runners: [String: any PluginRunner]
    /// Plugin names in priority (configuration) order.
    public let order: [String]
    /// Event type → plugins: the configured routes with the runtime overrides applied.
    public var router: Router { routing.withLock { $0 } }
    /// The routes as configured (plugin defaults and the configuration file), before overrides.
    public let configuredRoutes: [RouteEntry]
    private let routing: Mutex<Router>
    private let heldBreakers = Mutex<[String: HeldBreakerState]>([:])
    private let resetsSeen = Mutex<[String: Int64]>([:])
    private let logger: Logger
    /// Plugins that could not be loaded, in configuration order.
    public let failures: [PluginLoadError]
    /// The thread pool every in-process plugin call runs on.
    public let pool: NIOThreadPool

    /// Loads every enabled plugin in `settings`.
    public init(settings: PluginHostSettings, clock: C, logger: Logger) {
        var limits = PluginInstance.Limits()
        limits.maxOutputBytes = settings.maxOutputBytes
        limits.maxDerivedEvents = settings.maxDerivedEventsPerCall
        limits.maxDerivationDepth = settings.maxDerivationDepth

        var loaded: [(PluginImage, PluginInstance?, PluginSettings, RouteEntry)] = []
        var failures: [PluginLoadError] = []
        for inspected in PluginCatalog.inspect(settings.plugins, logger: logger) {
            do throws(PluginLoadError) {
                let (image, route) = try inspected.loaded.get()
                // Isolated plugins are created in their workers, never in the host.
                let instance = inspected.settings.isolation == .process
                    ? nil : try PluginInstance(image: image, configJSON: inspected.settings.configJSON, limits: limits, logger: logger)
                loaded.append((image, instance, inspected.settings, route))
                logger.info(
                    "plugin loaded",
                    metadata: [
                        "acuhook.plugin": "\(image.name)",
                        "acuhook.plugin.version": "\(image.version)",
                        "acuhook.plugin.abi": "\(image.abiMajor).\(image.abiMinor)",
                        "acuhook.plugin.path": "\(image.path)",
                        "acuhook.plugin.isolation": "\(inspected.settings.isolation.rawValue)",
                    ]
                )
            } catch {
                failures.append(error)
                logger.error(
                    "plugin not loaded; running without it",
                    metadata: [
                        "acuhook.plugin.path": "\(error.path)",
                        "acuhook.error.code": "\(error.code.rawValue)",
                        "acuhook.error": "\(error.message)",
                    ]
                )
            }
        }

        let wanted = loaded.filter { $0.1 != nil }.reduce(0) { sum, entry in sum + (entry.0.threadSafe ? max(1, entry.2.maxConcurrency) : 1) }
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

        var runners: [String: any PluginRunner] = [:]
        let executable = settings.workerExecutable ?? Self.defaultWorkerExecutable()
        for (image, instance, plugin, _) in loaded {
            if let instance {
                runners[image.name] = InProcessPluginRunner(
                    instance: instance,
                    timeout: plugin.timeout,
                    maxConcurrency: plugin.maxConcurrency,
                    breaker: plugin.breaker,
                    pool: pool,
                    clock: clock,
                    logger: logger
                )
            } else {
                runners[image.name] = ProcessPluginRunner(image: image, settings: plugin, limits: limits, executable: executable, clock: clock, logger: logger)
            }
        }
        self.runners = runners
        self.order = loaded.map(\.0.name)
        self.configuredRoutes = loaded.map(\.3)
        self.routing = Mutex(Router(entries: loaded.map(\.3)))
        self.logger = logger
        self.failures = failures
    }

    /// The runners that receive `eventType`, in priority order.
    public func runners(for eventType: String) -> [any PluginRunner] {
        router.plugins(for: eventType).compactMap { runners[$0] }
    }

    /// Applies the runtime overrides (the whole set, as stored): routes are rebuilt from the
    /// configured ones plus the overrides; a breaker with an override is held open or disabled,
    /// and one whose override was removed is reset. Overrides for plugins not loaded are ignored.
    public func apply(_ overrides: [RuntimeOverride]) {
        var routeOverrides: [String: [(pattern: EventPattern, enabled: Bool)]] = [:]
        var breakers: [String: HeldBreakerState] = [:]
        var resets: [String: Int64] = [:]
        for override in overrides where runners[override.plugin] != nil {
            switch override {
            case .route(let plugin, let text, let enabled):
                guard let pattern = try? EventPattern(parsing: text) else { continue }
                routeOverrides[plugin, default: []].append((pattern, enabled))
            case .breaker(let plugin, let state):
                breakers[plugin] = state
            case .breakerReset(let plugin, let at):
                resets[plugin] = at
            }
        }
        let entries = configuredRoutes.map { $0.applying(routeOverrides[$0.plugin] ?? []) }
        routing.withLock { $0 = Router(entries: entries) }
        let previous = heldBreakers.withLock { held in
            defer { held = breakers }
            return held
        }
        for (plugin, state) in breakers where previous[plugin] != state {
            runners[plugin]?.controlBreaker(state == .open ? .open : .disable, reason: "runtime override")
        }
        let newResets = resetsSeen.withLock { seen in
            defer { seen.merge(resets) { max($0, $1) } }
            return resets.filter { plugin, at in (seen[plugin] ?? Int64.min) < at }
        }
        for plugin in Set(previous.keys).union(newResets.keys) where breakers[plugin] == nil {
            runners[plugin]?.controlBreaker(.reset, reason: "operator reset")
        }
        logger.notice(
            "runtime overrides applied",
            metadata: ["acuhook.overrides.routes": "\(routeOverrides.values.map(\.count).reduce(0, +))", "acuhook.overrides.breakers": "\(breakers.count)"]
        )
    }

    /// Stops the thread pool once running calls finish. Lost calls that never return keep the
    /// process from finishing this; the caller decides how long to wait.
    public func shutdown() async throws {
        for runner in runners.values {
            if let isolated = runner as? ProcessPluginRunner<C> { await isolated.shutdown() }
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
