import AcuhookAdmin
import AcuhookConfig
import AcuhookConsole
import AcuhookCore
import AcuhookDispatch
import AcuhookInbound
import AcuhookPluginHost
import AcuhookServer
import AcuhookStore
import ArgumentParser
import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle

/// `acuhook serve [--config F]`: the receiver.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive webhooks: verify, normalise and durably store every delivery before answering.",
        discussion: """
            Without --config it runs on safe defaults: 127.0.0.1:8080, ./acuhook-data/acuhook.db, the \
            example plugins built next to the binary, and one source 'acumatica' (hmac-sha256) with a \
            secret generated on first start (./acuhook-data/secret). SIGTERM or SIGINT stops it \
            gracefully: no new connections, in-flight requests finish, exit 0.
            """
    )

    @Option(name: .shortAndLong, help: "The YAML configuration file (default: built-in safe defaults).")
    var config: String?

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: Logger.Level = .info

    @Option(help: "Log line format on standard error: text, or json (one object per line).")
    var logFormat: LineLogHandler.Format = .text

    func run() async throws {
        let (level, format) = (logLevel, logFormat)
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "acuhook")
        // Every connection takes a descriptor: the soft limit (1,024 under systemd) goes up to the hard one.
        let fileLimit = OpenFileLimit.raise()
        logger.notice("open-file limit", metadata: ["acuhook.nofile.before": "\(fileLimit.before)", "acuhook.nofile": "\(fileLimit.after)"])
        let configuration: AcuhookConfiguration
        var newSecret: String? = nil
        if let config {
            // `${secret:PATH}` files that do not exist yet are created now (first start).
            configuration = try loadConfigurationFile(config, secrets: .generate)
            for path in configuration.secretFiles.generated {
                logger.notice("generated a secret (shown once by reading the file)", metadata: ["acuhook.secret_file": "\(path)"])
            }
        } else {
            (configuration, newSecret) = try DefaultConfiguration.make()
        }
        guard !configuration.sources.isEmpty else {
            throw ValidationError("the configuration defines no sources: nothing could be received")
        }
        // Metrics: every part writes through the bootstrapped system into one Prometheus
        // registry, served at /metrics on the admin listener. Off, they go nowhere.
        let metricsFactory = configuration.admin.enabled && configuration.admin.metrics ? MetricsExporter.makeFactory() : nil
        if let metricsFactory { MetricsSystem.bootstrap(metricsFactory) }

        let store = try await StoreOpener.open(configuration.store, logger: logger)
        // The drop-in plugins folder, when there is one: its plugins load beside the configured ones.
        let folder: PluginFolderWatcher?
        do {
            folder = try configuration.pluginHost.directory.map { try PluginFolderWatcher(folder: PluginFolder(directory: $0), logger: logger) }
        } catch {
            throw ValidationError("\(error)")
        }
        let copies = URL(fileURLWithPath: configuration.store.path).deletingLastPathComponent().appendingPathComponent("plugin-copies")
        var hostSettings = configuration.pluginHost
        hostSettings.plugins += folder?.plugins ?? []
        let plugins = PluginHost(settings: hostSettings, copiesDirectory: copies, clock: ContinuousClock(), logger: logger)
        // Live activity for the console and `acuhook tail`.
        let feed = ActivityFeed()
        var dispatch = configuration.dispatch
        dispatch.shutdownGrace = configuration.server.shutdownGrace
        let dispatcher = Dispatcher(store: store, host: plugins, configuration: dispatch, logger: logger, feed: feed)
        // Jobs committed by other instances sharing the store (PostgreSQL's NOTIFY) wake this one.
        store.onNewJobs { dispatcher.wakeup.signal() }
        // Runtime overrides (stored by the CLI or the admin API) apply before anything is routed.
        do {
            try await OverrideWatcher.applyNow(store: store, host: plugins)
        } catch {
            throw ValidationError("\(error)")
        }
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
        // The listeners' protections: caps resolved from the descriptors left now that the store
        // and plugins are open, certificates loaded (a certificate that cannot be used stops start-up).
        let receiverProtection: ListenerProtection
        let adminProtection: ListenerProtection?
        do {
            let admin = configuration.admin
            adminProtection = admin.enabled
                ? try ListenerProtection.make(
                    listener: "admin", limits: admin.limits, trustedProxies: [], certificate: admin.tlsCertificate, key: admin.tlsKey, logger: logger
                ) : nil
            receiverProtection = try ListenerProtection.make(
                listener: "receiver", limits: configuration.server.limits, trustedProxies: configuration.server.trustedProxies,
                certificate: configuration.server.tlsCertificate, key: configuration.server.tlsKey,
                reservedDescriptors: 128 + (adminProtection?.gate.maxConnections ?? 0), logger: logger
            )
        } catch {
            throw ValidationError("\(error)")
        }
        let protections = [receiverProtection] + (adminProtection.map { [$0] } ?? [])
        let certificates = protections.compactMap(\.tls)
        logger.notice(
            "connection limits",
            metadata: Dictionary(uniqueKeysWithValues: protections.map { ("acuhook.\($0.gate.listener).max_connections", "\($0.gate.maxConnections)") })
        )
        let readiness: @Sendable () async -> Readiness = {
            // A bad file in the plugins folder is reported, but is no reason to stop taking deliveries.
            let folderPrefix = configuration.pluginHost.directory.map { $0 + "/" }
            let failures = plugins.failures.filter { failure in folderPrefix.map { !failure.path.hasPrefix($0) } ?? true }.count
            var checks = ["store": "ok", "plugins": failures == 0 ? "ok" : "\(failures) plugin(s) failed to load"]
            do {
                try await store.checkWritable()
            } catch {
                checks["store"] = "\(error)"
            }
            // A certificate that failed to reload: the previous one is served, so still ready.
            var details: [String: String] = [:]
            for tls in certificates {
                let status = tls.status
                guard let error = status.lastError else { continue }
                details["tls.\(tls.listener)"] = "serving certificate \(status.serial) (expires \(CertificateReloader.dateText(status.notAfter))); the new one was not loaded: \(error)"
            }
            return Readiness(ready: checks.values.allSatisfy { $0 == "ok" }, checks: checks, details: details)
        }
        // systemd (Type=notify) hears READY=1 once every listener accepts connections.
        let systemd = SystemdNotifier(environment: ProcessInfo.processInfo.environment)
        let listening = ListenerCountdown(count: configuration.admin.enabled ? 2 : 1) {
            systemd.ready(status: "receiving on port \(configuration.server.port); store \(store.location)")
        }
        let scheme = configuration.server.tlsCertificate == nil ? "http" : "https"
        let sources = pipeline.sourceNames
        let generatedSecret = newSecret
        let app = try Receiver.makeApplication(
            pipeline: pipeline,
            server: configuration.server,
            readiness: readiness,
            logger: logger,
            protection: receiverProtection,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.server.port
                logger.notice(
                    "acuhook is receiving",
                    metadata: [
                        "acuhook.url": "\(scheme)://\(configuration.server.host):\(port)/webhooks/{\(sources.joined(separator: ","))}",
                        "acuhook.store": "\(store.location)",
                        "acuhook.plugins": "\(plugins.order.joined(separator: ","))",
                    ]
                )
                listening.arrived()
                if let newSecret = generatedSecret {
                    FileHandle.standardOutput.write(Data(
                        """
                        Generated a signing secret for source 'acumatica' (kept in \(DefaultConfiguration.dataDirectory)/secret; shown once):
                          \(newSecret)
                        Send a signed sample event:
                          acuhook send Customer.Updated --url \(scheme)://\(configuration.server.host):\(port)/webhooks/acumatica --secret \(newSecret)

                        """.utf8
                    ))
                }
            }
        )
        let sweeper = StoreSweeper(store: store, interval: configuration.store.sweepInterval, retention: configuration.store.retention, logger: logger)
        // Reload: the configuration file is read again and its plugins, with the plugins
        // folder's, replace the running ones (SIGHUP, POST /admin/reload, or a change in the
        // folder). Other sections apply at the next start.
        let configPath = config
        let reload: @Sendable () async -> PluginHost<ContinuousClock>.ReloadReport = {
            var settings = DefaultConfiguration.examplePlugins()
            var host = configuration.pluginHost
            if let configPath {
                do {
                    host = try ConfigurationLoader.load(file: configPath).pluginHost
                    settings = host.plugins
                } catch {
                    logger.error("reload failed; the previous plugins keep running", metadata: ["acuhook.error": "\(error)"])
                    plugins.countReload(applied: false)
                    return .init(applied: false, errors: ["\(error)"])
                }
            }
            host.plugins = settings + (folder?.plugins ?? [])
            let report = await plugins.reload(host, copiesDirectory: copies)  // counts itself
            if report.applied { try? await OverrideWatcher.applyNow(store: store, host: plugins) }
            return report
        }
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler {
            logger.notice("SIGHUP: reloading the configuration's plugins and the TLS certificates")
            systemd.reloading()
            for tls in certificates { tls.reload(because: "SIGHUP") }
            Task {
                let report = await reload()
                systemd.ready(status: report.applied ? "reloaded" : "reload failed; the previous plugins keep running")
            }
        }
        hangup.resume()
        defer { hangup.cancel() }
        var services: [any Service] = [app, dispatcher, sweeper, OverrideWatcher(store: store, host: plugins, logger: logger)]
        if !certificates.isEmpty { services.append(CertificateWatcher(reloaders: certificates)) }
        if let folder {
            folder.onChange { _ = await reload() }
            services.append(folder)
        }
        if let alerts = configuration.alerts {
            services.append(Self.alertMonitor(alerts, plugins: plugins, store: store, pipeline: pipeline, logger: logger))
        }
        if configuration.admin.enabled {
            let admin = configuration.admin
            let operations = PluginHostOperations(
                host: plugins, store: store, reload: reload, problems: { folder?.problems.map { ($0.file, $0.message) } ?? [] }
            )
            let console = try Console(.init(store: store, operations: operations, pipeline: pipeline, feed: feed, token: admin.token, logger: logger))
            services.append(try AdminAPI.makeApplication(
                settings: admin,
                serverPort: configuration.server.port,
                store: store,
                operations: operations,
                metrics: metricsFactory.map { MetricsExporter(factory: $0, store: store, plugins: { plugins.order }) },
                feed: feed,
                pipeline: pipeline,
                logger: logger,
                protection: adminProtection,
                listeners: protections,
                onServerRunning: { channel in
                    let port = channel.localAddress?.port ?? admin.resolvedPort(serverPort: configuration.server.port)
                    logger.notice(
                        "admin API listening",
                        metadata: [
                            "acuhook.admin.url": "\(admin.tlsCertificate == nil ? "http" : "https")://\(admin.host):\(port)/admin", "acuhook.admin.token": "\(admin.token == nil ? "none (loopback)" : "required")",
                            "acuhook.console.url": "\(admin.tlsCertificate == nil ? "http" : "https")://\(admin.host):\(port)/console",
                        ]
                    )
                    listening.arrived()
                },
                configure: { router in console.addRoutes(to: router) }
            ))
        }
        // Shut down first (services stop in reverse order): open event streams end at once.
        services.append(FeedCloser(feed: feed))
        services.append(SystemdStoppingNotice(notifier: systemd))
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        do {
            try await group.run()
        } catch {
            await store.close()
            throw error
        }
        // After every service: the dispatcher handed back its jobs through the store.
        await store.close()
        try await plugins.shutdown()
        logger.notice("acuhook stopped")
    }
}
