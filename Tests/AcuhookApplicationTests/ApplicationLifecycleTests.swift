import AcuhookApplication
import AcuhookConfig
import AcuhookTesting
import Foundation
import Logging
import Testing

/// The application's own start and stop, on each store: the store's services (PostgreSQL's pool
/// and writer) start first and stop last, so what the dispatcher finishes while stopping is
/// committed, and nothing answered is lost or run twice across a restart.
@Suite struct ApplicationLifecycleTests {
    @Test(arguments: StoreBackend.available)
    func deliveriesAnsweredJustBeforeAShutdownRunExactlyOnceAcrossARestart(backend: StoreBackend) async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let place = try backend.place()
        let config = try FixturePlugins.writeConfiguration(
            in: dir,
            store: place.url.map { "store: {url: '\($0)'}" } ?? "store: {path: data/inbox.db}",
            """
            dispatch: {idle_poll: 50ms}
            plugins:
              - path: \(FixturePlugins.path("CustomerSync"))
                config: {output: \(dir.path)/customers.jsonl}
            """
        )
        /// The entity ids customer-sync wrote, one line per call.
        func calls() -> [String] {
            let text = (try? String(contentsOf: dir.appendingPathComponent("customers.jsonl"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
            }
        }
        let ids = (1...12).map { "C\($0)" }
        let first = try await RunningApplication.start(config: config)
        for id in ids {
            let sent = try await runCommand(
                FixturePlugins.acuhookExecutable,
                ["send", "Customer.Updated", "--config", config.path, "--entity-id", id, "--url", first.webhookURL()]
            )
            #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        }
        // Stopped right after the last answer: calls in flight finish and their outcomes commit.
        try await first.stop()
        #expect(first.logged("acuhook stopped"))

        let second = try await RunningApplication.start(config: config)
        #expect(try await waitFor { Set(calls()) == Set(ids) })
        try await Task.sleep(for: .milliseconds(300))
        #expect(calls().sorted() == ids.sorted(), "each delivery ran exactly once")
        try await second.stop()
    }

    @Test func aStoreThatCannotBeOpenedStopsTheBuildSayingWhere() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let blocker = dir.appendingPathComponent("not-a-folder")
        try "x".write(to: blocker, atomically: true, encoding: .utf8)
        let config = try FixturePlugins.writeConfiguration(in: dir, store: "store: {path: not-a-folder/inbox.db}", "")
        let configuration = try ConfigurationLoader.load(file: config.path)
        var options = AcuhookApplication.Options()
        options.gracefulShutdownSignals = []
        let error = await #expect(throws: ApplicationError.self) {
            _ = try await AcuhookApplication(configuration: configuration, options: options, logger: Logger(label: "test"))
        }
        #expect(error?.description.contains(blocker.path) == true, "\(String(describing: error))")
    }
}
