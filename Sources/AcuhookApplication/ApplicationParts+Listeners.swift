import AcuhookAdmin
import AcuhookConsole
import AcuhookCore
import AcuhookInbound
import AcuhookPluginHost
import AcuhookServer
import Foundation
import ServiceLifecycle

extension ApplicationParts {
    /// Each listener's protection: caps resolved from the descriptors left now that the store and
    /// plugins are open, certificates loaded (a certificate that cannot be used stops start-up).
    struct Protections {
        let receiver: ListenerProtection
        let admin: ListenerProtection?
        var all: [ListenerProtection] { [receiver] + (admin.map { [$0] } ?? []) }
    }

    func protections() throws -> Protections {
        let result: Protections
        do {
            let admin = configuration.admin
            let adminProtection = admin.enabled
                ? try ListenerProtection.make(
                    listener: "admin", limits: admin.limits, trustedProxies: [], certificate: admin.tlsCertificate, key: admin.tlsKey, logger: logger
                ) : nil
            let server = configuration.server
            result = Protections(
                receiver: try ListenerProtection.make(
                    listener: "receiver", limits: server.limits, trustedProxies: server.trustedProxies,
                    certificate: server.tlsCertificate, key: server.tlsKey,
                    reservedDescriptors: 128 + (adminProtection?.gate.maxConnections ?? 0), logger: logger
                ),
                admin: adminProtection
            )
        } catch {
            throw ApplicationError("\(error)")
        }
        logger.notice(
            "connection limits",
            metadata: Dictionary(uniqueKeysWithValues: result.all.map { ("acuhook.\($0.gate.listener).max_connections", "\($0.gate.maxConnections)") })
        )
        return result
    }

    /// `/health/ready`: the store takes writes and every configured plugin loaded. A bad file in
    /// the plugins folder is reported but is no reason to stop taking deliveries; a certificate
    /// that failed to reload is a detail (the previous one is served).
    func readiness(certificates: [CertificateReloader]) -> @Sendable () async -> Readiness {
        let (store, plugins) = (store, plugins)
        let folderPrefix = configuration.pluginHost.directory.map { $0 + "/" }
        return {
            let failures = plugins.failures.filter { failure in folderPrefix.map { !failure.path.hasPrefix($0) } ?? true }.count
            var checks = ["store": "ok", "plugins": failures == 0 ? "ok" : "\(failures) plugin(s) failed to load"]
            do {
                try await store.checkWritable()
            } catch {
                checks["store"] = "\(error)"
            }
            var details: [String: String] = [:]
            for tls in certificates {
                let status = tls.status
                guard let error = status.lastError else { continue }
                details["tls.\(tls.listener)"] = "serving certificate \(status.serial) (expires \(CertificateReloader.dateText(status.notAfter))); the new one was not loaded: \(error)"
            }
            return Readiness(ready: checks.values.allSatisfy { $0 == "ok" }, checks: checks, details: details)
        }
    }

    /// The webhook listener.
    func receiver(pipeline: DeliveryPipeline, protection: ListenerProtection, certificates: [CertificateReloader]) throws -> any Service {
        let (server, logger, store, plugins, options, listening) = (configuration.server, logger, store, plugins, options, listening)
        let scheme = server.tlsCertificate == nil ? "http" : "https"
        let sources = pipeline.sourceNames
        return try Receiver.makeApplication(
            pipeline: pipeline,
            server: server,
            readiness: readiness(certificates: certificates),
            logger: logger,
            protection: protection,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? server.port
                logger.notice(
                    "acuhook is receiving",
                    metadata: [
                        "acuhook.url": "\(scheme)://\(server.host):\(port)/webhooks/{\(sources.joined(separator: ","))}",
                        "acuhook.store": "\(store.location)",
                        "acuhook.plugins": "\(plugins.order.joined(separator: ","))",
                    ]
                )
                options.onListening("receiver", port)
                listening.arrived()
                if let secret = options.generatedSecret {
                    FileHandle.standardOutput.write(Data(
                        """
                        Generated a signing secret for source 'acumatica' (kept in \(DefaultSettings.dataDirectory)/secret; shown once):
                          \(secret)
                        Send a signed sample event:
                          acuhook send Customer.Updated --url \(scheme)://\(server.host):\(port)/webhooks/acumatica --secret \(secret)

                        """.utf8
                    ))
                }
            }
        )
    }

    /// The admin API, `/metrics` and the console, on their own listener.
    func admin(
        pipeline: DeliveryPipeline, protection: ListenerProtection, listeners: [ListenerProtection],
        reload: @escaping @Sendable () async -> PluginReloadReport
    ) throws -> any Service {
        let (admin, serverPort, logger, store, plugins, options, listening) = (configuration.admin, configuration.server.port, logger, store, plugins, options, listening)
        let folder = folder
        let operations = PluginHostOperations(
            host: plugins, store: store, reload: reload, problems: { folder?.problems.map { ($0.file, $0.message) } ?? [] }
        )
        let console = try Console(.init(store: store, operations: operations, pipeline: pipeline, feed: feed, token: admin.token, logger: logger))
        let scheme = admin.tlsCertificate == nil ? "http" : "https"
        return try AdminAPI.makeApplication(
            settings: admin,
            serverPort: serverPort,
            store: store,
            operations: operations,
            metrics: options.metrics.map { factory in
                MetricsExporter(
                    factory: factory, store: store, plugins: { plugins.order },
                    rateLimited: { Set(plugins.order.filter { plugins.settings(for: $0)?.rate != nil }) }
                )
            },
            feed: feed,
            pipeline: pipeline,
            logger: logger,
            protection: protection,
            listeners: listeners,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? admin.resolvedPort(serverPort: serverPort)
                logger.notice(
                    "admin API listening",
                    metadata: [
                        "acuhook.admin.url": "\(scheme)://\(admin.host):\(port)/admin",
                        "acuhook.admin.token": "\(admin.token == nil ? "none (loopback)" : "required")",
                        "acuhook.console.url": "\(scheme)://\(admin.host):\(port)/console",
                    ]
                )
                options.onListening("admin", port)
                listening.arrived()
            },
            configure: { router in console.addRoutes(to: router) }
        )
    }
}
