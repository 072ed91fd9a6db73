import AcuhookCore
import Logging
import NIOPosix

/// The loaded plugins, their runners and the routing table, built once from the settings.
///
/// A plugin that fails to load is reported in ``failures`` and logged; the others run without it.
public final class PluginHost<C: Clock>: Sendable where C.Duration == Duration {
    /// Runners by plugin name.
    public let runners: [String: InProcessPluginRunner<C>]
    /// Plugin names in priority (configuration) order.
    public let order: [String]
    /// Event type → plugins.
    public let router: Router
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

        var loaded: [(PluginInstance, PluginSettings, RouteEntry)] = []
        var failures: [PluginLoadError] = []
        for inspected in PluginCatalog.inspect(settings.plugins, logger: logger) {
            do throws(PluginLoadError) {
                let (image, route) = try inspected.loaded.get()
                let instance = try PluginInstance(image: image, configJSON: inspected.settings.configJSON, limits: limits, logger: logger)
                loaded.append((instance, inspected.settings, route))
                logger.info(
                    "plugin loaded",
                    metadata: [
                        "acuhook.plugin": "\(image.name)",
                        "acuhook.plugin.version": "\(image.version)",
                        "acuhook.plugin.abi": "\(image.abiMajor).\(image.abiMinor)",
                        "acuhook.plugin.path": "\(image.path)",
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

        let wanted = loaded.reduce(0) { sum, entry in sum + (entry.0.image.threadSafe ? max(1, entry.1.maxConcurrency) : 1) }
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

        var runners: [String: InProcessPluginRunner<C>] = [:]
        for (instance, plugin, _) in loaded {
            runners[instance.image.name] = InProcessPluginRunner(
                instance: instance,
                timeout: plugin.timeout,
                maxConcurrency: plugin.maxConcurrency,
                breaker: plugin.breaker,
                pool: pool,
                clock: clock,
                logger: logger
            )
        }
        self.runners = runners
        self.order = loaded.map(\.0.image.name)
        self.router = Router(entries: loaded.map(\.2))
        self.failures = failures
    }

    /// The runners that receive `eventType`, in priority order.
    public func runners(for eventType: String) -> [InProcessPluginRunner<C>] {
        router.plugins(for: eventType).compactMap { runners[$0] }
    }

    /// Stops the thread pool once running calls finish. Lost calls that never return keep the
    /// process from finishing this; the caller decides how long to wait.
    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
