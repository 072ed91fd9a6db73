import AcuhookAdmin
import AcuhookConfig
import AcuhookCore
import AcuhookDispatch
import AcuhookInbound
import AcuhookPluginHost
import AcuhookServer
import AcuhookStore
import ArgumentParser
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

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "acuhook")
        let configuration: AcuhookConfiguration
        var newSecret: String? = nil
        if let config {
            configuration = try loadConfigurationFile(config)
        } else {
            (configuration, newSecret) = try DefaultConfiguration.make()
        }
        guard !configuration.sources.isEmpty else {
            throw ValidationError("the configuration defines no sources: nothing could be received")
        }

        let store: SQLiteEventStore
        do {
            var settings = SQLiteEventStore.Configuration(path: configuration.store.path)
            settings.synchronous = configuration.store.synchronous == "normal" ? .normal : .full
            store = try SQLiteEventStore(configuration: settings, logger: logger)
        } catch {
            throw ValidationError("\(error)")
        }
        let plugins = PluginHost(settings: configuration.pluginHost, clock: ContinuousClock(), logger: logger)
        var dispatch = DispatcherConfiguration()
        dispatch.retry = configuration.dispatch.retry
        dispatch.lease = configuration.dispatch.lease
        dispatch.idlePoll = configuration.dispatch.idlePoll
        for (name, runner) in plugins.runners {
            let settings = configuration.pluginHost.plugins.first { $0.path == runner.image.path }
            if let retry = settings?.retry { dispatch.retryByPlugin[name] = retry }
            if let filter = settings?.filter { dispatch.filterByPlugin[name] = filter }
        }
        let dispatcher = Dispatcher(store: store, host: plugins, configuration: dispatch, logger: logger)
        // Runtime overrides (stored by the CLI or the admin API) apply before anything is routed.
        do {
            try await OverrideWatcher.applyNow(store: store, host: plugins)
        } catch {
            throw ValidationError("\(error)")
        }
        var orderedSetting: [String: Bool?] = [:]
        var debounceSetting: [String: Int64] = [:]
        for (name, runner) in plugins.runners {
            let settings = configuration.pluginHost.plugins.first { $0.path == runner.image.path }
            orderedSetting[name] = settings?.ordered
            if let window = settings?.debounce {
                debounceSetting[name] = window.components.seconds * 1000 + window.components.attoseconds / 1_000_000_000_000_000
            }
        }
        let ordering = orderedSetting
        let debouncing = debounceSetting
        let pipeline = try DeliveryPipeline(
            server: configuration.server,
            sources: configuration.sources,
            store: store,
            retention: configuration.store.idempotencyRetention,
            logger: logger,
            route: { event, format in
                let names = plugins.router.plugins(for: event.eventType)
                // Ordered per entity: as configured, else for push notifications only.
                let ordered = names.filter { (ordering[$0] ?? nil) ?? (format == .pushNotification) }
                return RouteDecision(plugins: names, ordered: Set(ordered), debounceMilliseconds: debouncing.filter { names.contains($0.key) })
            },
            onStored: { dispatcher.wakeup.signal() }
        )
        let failures = plugins.failures.count
        let readiness: @Sendable () async -> Readiness = {
            var checks = ["store": "ok", "plugins": failures == 0 ? "ok" : "\(failures) plugin(s) failed to load"]
            do {
                try await store.checkWritable()
            } catch {
                checks["store"] = "\(error)"
            }
            return Readiness(ready: checks.values.allSatisfy { $0 == "ok" }, checks: checks)
        }
        let scheme = configuration.server.tlsCertificate == nil ? "http" : "https"
        let sources = pipeline.sourceNames
        let generatedSecret = newSecret
        let app = try Receiver.makeApplication(
            pipeline: pipeline,
            server: configuration.server,
            readiness: readiness,
            logger: logger,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.server.port
                logger.notice(
                    "acuhook is receiving",
                    metadata: [
                        "acuhook.url": "\(scheme)://\(configuration.server.host):\(port)/webhooks/{\(sources.joined(separator: ","))}",
                        "acuhook.store": "\(configuration.store.path)",
                        "acuhook.plugins": "\(plugins.order.joined(separator: ","))",
                    ]
                )
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
        let sweeper = IdempotencySweeper(store: store, interval: configuration.store.sweepInterval, logger: logger)
        var services: [any Service] = [app, dispatcher, sweeper, OverrideWatcher(store: store, host: plugins, logger: logger)]
        if configuration.admin.enabled {
            let admin = configuration.admin
            services.append(AdminAPI.makeApplication(
                settings: admin,
                serverPort: configuration.server.port,
                store: store,
                operations: PluginHostOperations(host: plugins, store: store),
                logger: logger,
                onServerRunning: { channel in
                    let port = channel.localAddress?.port ?? admin.resolvedPort(serverPort: configuration.server.port)
                    logger.notice(
                        "admin API listening",
                        metadata: ["acuhook.admin.url": "http://\(admin.host):\(port)/admin", "acuhook.admin.token": "\(admin.token == nil ? "none (loopback)" : "required")"]
                    )
                }
            ))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
        try await plugins.shutdown()
        logger.notice("acuhook stopped")
    }
}
