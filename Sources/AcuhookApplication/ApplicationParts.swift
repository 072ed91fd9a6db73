import AcuhookAdmin
import AcuhookConfig
import AcuhookConsole
import AcuhookCore
import AcuhookDispatch
import AcuhookInbound
import AcuhookPluginHost
import AcuhookServer
import AcuhookStore
import Logging
import ServiceLifecycle

/// The wiring of ``AcuhookApplication``: what each service is built from, and the order they run in.
struct ApplicationParts {
    let configuration: AcuhookSettings
    let options: AcuhookApplication.Options
    let logger: Logger
    let store: any EventStore
    let plugins: PluginHost<ContinuousClock>
    let folder: PluginFolderWatcher?
    /// Live activity for the console and `acuhook tail`.
    let feed = ActivityFeed()
    /// systemd (`Type=notify`) hears `READY=1` once every listener accepts connections.
    let systemd: SystemdNotifier
    /// Tells systemd once the last listener runs.
    let listening: ListenerCountdown

    init(
        configuration: AcuhookSettings, options: AcuhookApplication.Options, logger: Logger,
        store: any EventStore, plugins: PluginHost<ContinuousClock>, folder: PluginFolderWatcher?
    ) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
        self.store = store
        self.plugins = plugins
        self.folder = folder
        let systemd = SystemdNotifier(environment: options.environment)
        self.systemd = systemd
        self.listening = ListenerCountdown(count: configuration.admin.enabled ? 2 : 1) { [port = configuration.server.port, location = store.location] in
            systemd.ready(status: "receiving on port \(port); store \(location)")
        }
    }

    /// Every service but the store's, in start order (they stop in reverse).
    func services() throws -> [any Service] {
        var dispatch = configuration.dispatch
        dispatch.shutdownGrace = configuration.server.shutdownGrace
        let dispatcher = Dispatcher(store: store, host: plugins, configuration: dispatch, logger: logger, feed: feed)
        // Jobs committed by other instances sharing the store (PostgreSQL's NOTIFY) wake this one.
        store.onNewJobs { dispatcher.wakeup.signal() }
        let plugins = plugins
        let pipeline = try DeliveryPipeline(
            server: configuration.server,
            sources: configuration.sources,
            store: store,
            retention: configuration.store.idempotencyRetention,
            logger: logger,
            route: { event, format in
                // Ordered per entity: as configured, else for push notifications only.
                plugins.route(event.eventType, orderedByDefault: format == .pushNotification)
            },
            onStored: { dispatcher.wakeup.signal() },
            feed: feed
        )
        let listeners = try protections()
        let certificates = listeners.all.compactMap(\.tls)
        let reload = reloader()
        var services: [any Service] = [
            try receiver(pipeline: pipeline, protection: listeners.receiver, certificates: certificates),
            dispatcher,
            StoreSweeper(store: store, interval: configuration.store.sweepInterval, retention: configuration.store.retention, logger: logger),
            OverrideWatcher(store: store, host: plugins, logger: logger),
        ]
        if !certificates.isEmpty { services.append(CertificateWatcher(reloaders: certificates)) }
        if let folder {
            folder.onChange { _ = await reload() }
            services.append(folder)
        }
        if options.reloadOnHangup {
            services.append(HangupReload(reload: reload, certificates: certificates, systemd: systemd, logger: logger))
        }
        if let alerts = configuration.alerts {
            services.append(AcuhookApplication.alertMonitor(alerts, plugins: plugins, store: store, pipeline: pipeline, logger: logger))
        }
        if let protection = listeners.admin {
            services.append(try admin(pipeline: pipeline, protection: protection, listeners: listeners.all, reload: reload))
        }
        // Shut down first (services stop in reverse order): open event streams end at once.
        services.append(FeedCloser(feed: feed))
        services.append(SystemdStoppingNotice(notifier: systemd))
        return services
    }
}
