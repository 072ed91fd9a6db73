import AcuhookCore
import AcuhookInbound
import AcuhookPluginHost
import ArgumentParser
import Foundation
import Logging
import NIOPosix
import AcuhookJSON

extension SourceFormat: ExpressibleByArgument {}

/// `acuhook plugins run FILE.so (--event T | --file BODY.json)`: one plugin, its events, no server.
struct PluginsRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Call a plugin on an event without a server, and print what it answered.",
        discussion: """
            The input is normalised by the receiver's own code, so a push-notification body becomes \
            its events. Exit status: 0 when every call answered OK or SKIP, 1 when one did not, \
            2 when the plugin or the input cannot be used.
            """
    )

    @Argument(help: "The plugin's shared library (lib<Name>.so).")
    var plugin: String

    @Option(help: "Call it on a sample event of this type (Customer.Updated, StockItem.Inserted, …).")
    var event: String?

    @Option(help: "Call it on the events of this delivery body (JSON).")
    var file: String?

    @Option(help: "How to read --file: auto, guide, push-notification or standard-webhooks.")
    var format: SourceFormat = .auto

    @Option(help: "The plugin's configuration: a JSON object, or @path to a file holding one.")
    var config: String = "{}"

    @Option(help: "Calls per event; past 1, each event's first answer is printed and the rest summarised.")
    var `repeat`: Int = 1

    @Option(help: "Longest one call may take (500ms, 5s, 1m).")
    var timeout: String = "30s"

    @Flag(help: "Run the plugin in a worker process, so that a crash is reported, not suffered.")
    var isolated = false

    @Flag(help: "Hand all the events to the plugin in one call (its handle_batch, ABI 1.1).")
    var batch = false

    func validate() throws {
        guard (event == nil) != (file == nil) else { throw ValidationError("give exactly one of --event TYPE and --file BODY.json") }
        guard self.repeat >= 1 else { throw ValidationError("--repeat must be at least 1") }
        guard DurationText.parse(timeout) != nil else { throw ValidationError("--timeout: expected a duration such as 500ms, 5s or 2m") }
    }

    func run() async throws {
        var logger = Logger(label: "acuhook") { StreamLogHandler.standardError(label: $0) }
        // The plugin's own log lines help with one call; with many they would drown the report.
        logger.logLevel = self.repeat == 1 ? .info : .warning
        let events: [InboundEvent]
        let configJSON: [UInt8]
        let image: PluginImage
        do {
            events = try readEvents()
            configJSON = try readConfig()
            image = try PluginLoader.load(path: plugin, logger: logger)
        } catch let error as UsageProblem {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var settings = PluginSettings(path: image.path)
        settings.configJSON = configJSON
        settings.maxConcurrency = 1
        if batch { settings.batch = BatchSettings() }
        let transport: any PluginTransport
        do {
            transport = try makeTransport(image: image, settings: settings, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print("\(image.name) \(image.version) (ABI \(image.abiMajor).\(image.abiMinor), \(isolated ? "in a worker process" : "in this process"))")
        let limit = DurationText.parse(timeout)!
        var allGood = true
        let packed = events.enumerated().map { index, event in
            PluginEvent(
                eventType: event.eventType, entityType: event.entityType, entityId: event.entityId,
                deliveryId: "plugins-run-\(index + 1)", tenant: event.tenant,
                receivedAtUnixMilliseconds: Int64(Date().timeIntervalSince1970 * 1000), json: event.json
            )
        }
        var reports = events.enumerated().map { CallReport(event: $1, index: $0 + 1, of: events.count) }
        // With --batch, each attempt is one call carrying every event; otherwise one call per event.
        let groups = batch ? [Array(packed.indices)] : packed.indices.map { [$0] }
        for group in groups {
            for attempt in 1...self.repeat {
                let started = ContinuousClock.now
                let results = await transport.call(group.map { PluginCall(packed[$0], attempt: attempt) }, timeout: limit, release: {})
                let duration = ContinuousClock.now - started
                for (index, result) in zip(group, results) { reports[index].add(result, duration: duration) }
            }
            for index in group {
                print(reports[index].text)
                allGood = allGood && reports[index].allGood
            }
        }
        await transport.shutdown(grace: .seconds(1))
        if !allGood { throw ExitCode.failure }
    }

    private func makeTransport(image: PluginImage, settings: PluginSettings, logger: Logger) throws -> any PluginTransport {
        var limits = PluginInstance.Limits()
        limits.maxDerivedEvents = 1000
        if isolated {
            return WorkerPoolTransport<ContinuousClock>(
                image: image, settings: settings, limits: limits, executable: PluginHost<ContinuousClock>.defaultWorkerExecutable(),
                clock: ContinuousClock(), logger: logger
            )
        }
        let instance = try PluginInstance(image: image, configJSON: settings.configJSON, limits: limits, logger: logger)
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return ThreadPoolTransport<ContinuousClock>(instance: instance, maxConcurrency: 1, batches: settings.batch != nil, pool: pool, clock: ContinuousClock(), logger: logger)
    }

    /// The events to call the plugin on, normalised as the receiver would.
    private func readEvents() throws -> [InboundEvent] {
        var configuration = NormalizerSettings()
        let body: [UInt8]
        if let event {
            guard EventTypeName.isValid(event) else {
                throw UsageProblem(message: "--event \(event): expected an event type such as Customer.Updated")
            }
            body = SampleEvents.guideEvent(event)
            configuration.format = .guide
        } else {
            guard let data = FileManager.default.contents(atPath: file!) else { throw UsageProblem(message: "\(file!): cannot read the file") }
            body = Array(data)
            configuration.format = format
        }
        do {
            return try DeliveryNormalizer(configuration: configuration).normalize(body: body, headers: DeliveryHeaders([])).events
        } catch {
            throw UsageProblem(message: "\(file ?? "the sample event"): \(error.message) (the receiver would answer \(error.httpStatus))")
        }
    }

    /// `--config` as JSON object bytes.
    private func readConfig() throws -> [UInt8] {
        var bytes = Array(config.utf8)
        var origin = "--config"
        if config.hasPrefix("@") {
            let path = String(config.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else { throw UsageProblem(message: "--config \(config): cannot read the file") }
            bytes = Array(data)
            origin = path
        }
        guard case .object = try? JSONParser.parse(bytes) else { throw UsageProblem(message: "\(origin): the plugin configuration must be a JSON object") }
        return bytes
    }
}

/// Input the command cannot use, with what to say.
private struct UsageProblem: Error {
    var message: String
}
