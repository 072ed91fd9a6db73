import AcuhookPluginHost
import ArgumentParser
import Foundation
import Logging

/// `acuhook plugin-worker`: the process an isolated plugin runs in. Started by `acuhook serve`,
/// never by hand: it speaks the framed protocol of ``WorkerMessage`` on stdin and stdout.
struct PluginWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin-worker",
        abstract: "Serve one plugin's calls over stdin/stdout (started by 'acuhook serve' for isolation: process).",
        shouldDisplay: false
    )

    @Option(help: "The plugin's shared library.") var plugin: String
    @Option(help: "The plugin's configuration as JSON.") var configJSON: String = "{}"
    @Option(help: "Calls at once (thread-safe plugins only).") var concurrency: Int = 1
    @Option(help: "Largest output a call may return.") var maxOutputBytes: Int = 1 << 20
    @Option(help: "Most derived events per call.") var maxDerivedEvents: Int = 16
    @Option(help: "Deepest derivation allowed.") var maxDerivationDepth: Int = 4

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        var limits = PluginInstance.Limits()
        limits.maxOutputBytes = maxOutputBytes
        limits.maxDerivedEvents = maxDerivedEvents
        limits.maxDerivationDepth = maxDerivationDepth
        let status = PluginWorker.run(
            path: plugin, configJSON: Array(configJSON.utf8), concurrency: concurrency, limits: limits, logger: Logger(label: "acuhook-worker")
        )
        throw ExitCode(status)
    }
}
