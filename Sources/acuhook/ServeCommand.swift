import AcuhookAdmin
import AcuhookApplication
import AcuhookConfig
import AcuhookServer
import ArgumentParser
import CoreMetrics
import Logging

/// `acuhook serve [--config F]`: the receiver.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive webhooks: verify, normalise and durably store every delivery before answering.",
        discussion: """
            Without --config it runs on safe defaults: 127.0.0.1:8080, ./acuhook-data/acuhook.db, the \
            example plugins built next to the binary, and one source 'acumatica' (hmac-sha256) with a \
            secret generated on first start (./acuhook-data/secret). SIGTERM or SIGINT stops it \
            gracefully: no new connections, in-flight requests finish, exit 0. SIGHUP reloads the plugins.
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
        let fileLimit = OpenFileLimit.raise()  // every connection takes one: the soft limit goes up to the hard one
        logger.notice("open-file limit", metadata: ["acuhook.nofile.before": "\(fileLimit.before)", "acuhook.nofile": "\(fileLimit.after)"])
        var options = AcuhookApplication.Options()
        options.configurationFile = config
        let configuration: AcuhookSettings
        if let config {
            // `${secret:PATH}` files that do not exist yet are created now (first start).
            configuration = try loadConfigurationFile(config, secrets: .generate)
            for path in configuration.secretFiles.generated {
                logger.notice("generated a secret (shown once by reading the file)", metadata: ["acuhook.secret_file": "\(path)"])
            }
        } else {
            (configuration, options.generatedSecret) = try DefaultSettings.make()
        }
        // Metrics: every part writes into one Prometheus registry, served at /metrics. Off, they go nowhere.
        if configuration.admin.enabled && configuration.admin.metrics {
            options.metrics = MetricsExporter.makeFactory()
            MetricsSystem.bootstrap(options.metrics!)
        }
        try await AcuhookApplication(configuration: configuration, options: options, logger: logger).run()
    }
}
