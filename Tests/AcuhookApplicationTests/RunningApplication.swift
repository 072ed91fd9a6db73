import AcuhookApplication
import AcuhookConfig
import AcuhookTesting
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// An ``AcuhookApplication`` running in the test process, built from a configuration file as
/// `acuhook serve --config F` builds it, but without signals: ``stop()`` shuts it down gracefully
/// through the service group it runs in. Its log lines are kept in ``logs``.
struct RunningApplication {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let logs: RecordingLogHandler.Store
    /// The webhook listener's port.
    let port: Int
    /// The admin API's base URL (`http://127.0.0.1:PORT/admin`), when it listens.
    let adminURL: String?

    /// Builds and starts the application of `config`, and waits until every listener runs.
    static func start(config: URL) async throws -> RunningApplication {
        let configuration = try ConfigurationLoader.load(file: config.path, secrets: .generate)
        let ports = Mutex<[String: Int]>([:])
        var options = AcuhookApplication.Options()
        options.configurationFile = config.path
        options.gracefulShutdownSignals = []
        options.reloadOnHangup = false
        options.environment = [:]
        options.onListening = { listener, port in ports.withLock { $0[listener] = port } }
        let logs = RecordingLogHandler.Store()
        let logger = RecordingLogHandler.logger(logs, label: "acuhook")
        let application = try await AcuhookApplication(configuration: configuration, options: options, logger: logger)
        let group = ServiceGroup(services: [application], logger: logger)
        let task = Task { try await group.run() }
        let expected = configuration.admin.enabled ? 2 : 1
        let deadline = ContinuousClock.now + .seconds(30)
        while ports.withLock({ $0.count }) < expected, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let bound = ports.withLock { $0 }
        guard let port = bound["receiver"], bound.count == expected else {
            await group.triggerGracefulShutdown()
            _ = await task.result
            throw ApplicationError("the application did not start listening: \(logs.all.map(\.message))")
        }
        return RunningApplication(group: group, task: task, logs: logs, port: port, adminURL: bound["admin"].map { "http://127.0.0.1:\($0)/admin" })
    }

    /// The receiver's URL for `source`.
    func webhookURL(_ source: String = "erp") -> String { "http://127.0.0.1:\(port)/webhooks/\(source)" }

    /// Whether a line was logged with `message` (when given) and `key` holding `value`.
    func logged(_ message: String? = nil, _ key: String? = nil, containing value: String = "") -> Bool {
        logs.all.contains { entry in
            (message.map { entry.message == $0 } ?? true) && (key.map { entry.metadata[$0]?.contains(value) == true } ?? true)
        }
    }

    /// Shuts it down gracefully and waits; throws what the application's run threw.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
