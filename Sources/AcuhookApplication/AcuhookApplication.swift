import AcuhookAdmin
import AcuhookConfig
import AcuhookCore
import AcuhookDispatch
import AcuhookInbound
import AcuhookPluginHost
import AcuhookServer
import AcuhookStore
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import UnixSignals

/// Acuhook as it runs: the store, the plugin host, the dispatcher, both listeners, the sweeper,
/// the watchers and the alerts, built from one ``AcuhookSettings`` and run as one service
/// group. `acuhook serve` parses its options, builds this and runs it; a test runs it in-process.
///
/// Building opens the store and loads the plugins; nothing listens until ``run()``. The store's
/// own services (PostgreSQL's pool) start first and stop last, after the dispatcher has handed
/// its jobs back. Services stop in reverse order: the activity feed closes first (so open event
/// streams end), the listeners stop taking connections, and the dispatcher finishes its calls.
public struct AcuhookApplication: Service {
    /// How it runs, beyond the configuration file.
    public struct Options: Sendable {
        /// The configuration file, read again at each reload; nil: the built-in defaults
        /// (``DefaultSettings``), whose example plugins a reload loads again.
        public var configurationFile: String?
        /// Signals that stop it gracefully. Default SIGTERM and SIGINT; none for a test.
        public var gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]
        /// Whether SIGHUP reloads the plugins and the certificates. Default true.
        public var reloadOnHangup = true
        /// The Prometheus factory the process bootstrapped its metrics with, served at
        /// `/metrics`; nil: no `/metrics`.
        public var metrics: PrometheusMetricsFactory?
        /// A signing secret generated at this start (the defaults' first start): printed once on
        /// standard output, with a command that sends a signed sample event.
        public var generatedSecret: String?
        /// The environment, for systemd's `NOTIFY_SOCKET`. Default: this process's.
        public var environment = ProcessInfo.processInfo.environment
        /// Called once each listener runs, with `receiver` or `admin` and the port it bound.
        public var onListening: @Sendable (_ listener: String, _ port: Int) -> Void = { _, _ in }

        /// The defaults.
        public init() {}
    }

    let configuration: AcuhookSettings
    let options: Options
    let logger: Logger
    let store: any EventStore
    let plugins: PluginHost<ContinuousClock>
    /// The services that use the store, in start order.
    let services: [any Service]

    /// Opens the store, loads the plugins and builds every service.
    /// - Throws: ``ApplicationError`` naming what cannot be used (the store, the plugins folder,
    ///   a certificate, a source), or the configuration's own error.
    public init(configuration: AcuhookSettings, options: Options = Options(), logger: Logger) async throws {
        guard !configuration.sources.isEmpty else {
            throw ApplicationError("the configuration defines no sources: nothing could be received")
        }
        let store = try await StoreOpener.connect(configuration.store, logger: logger)
        // The drop-in plugins folder, when there is one: its plugins load beside the configured ones.
        let folder: PluginFolderWatcher?
        do {
            folder = try configuration.pluginHost.directory.map { try PluginFolderWatcher(folder: PluginFolder(directory: $0), logger: logger) }
        } catch {
            throw ApplicationError("\(error)")
        }
        var hostSettings = configuration.pluginHost
        hostSettings.plugins += folder?.plugins ?? []
        let plugins = PluginHost(settings: hostSettings, copiesDirectory: Self.pluginCopies(configuration), clock: ContinuousClock(), logger: logger)
        let parts = ApplicationParts(configuration: configuration, options: options, logger: logger, store: store, plugins: plugins, folder: folder)
        self.configuration = configuration
        self.options = options
        self.logger = logger
        self.store = store
        self.plugins = plugins
        self.services = try parts.services()
    }

    /// Where plugin files are copied before loading (so a replaced file never changes a running one).
    static func pluginCopies(_ configuration: AcuhookSettings) -> URL {
        URL(fileURLWithPath: configuration.store.path).deletingLastPathComponent().appendingPathComponent("plugin-copies")
    }

    /// Runs until a graceful shutdown (a signal of ``Options/gracefulShutdownSignals``, or the
    /// group this runs in), then unloads the plugins.
    public func run() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: store.services + [Running(application: self)],
                gracefulShutdownSignals: options.gracefulShutdownSignals,
                logger: logger
            )
        )
        try await group.run()
        // After every service: the dispatcher handed back its jobs through the store.
        await store.close()
        try await plugins.shutdown()
        logger.notice("acuhook stopped")
    }

    /// Everything that uses the store, started once the store's services run: runtime overrides
    /// (stored by the CLI or the admin API) apply before anything is received or routed.
    private struct Running: Service {
        let application: AcuhookApplication

        func run() async throws {
            do {
                try await OverrideWatcher.applyNow(store: application.store, host: application.plugins)
            } catch {
                throw ApplicationError("\(error)")
            }
            try await ServiceGroup(services: application.services, logger: application.logger).run()
        }
    }
}
