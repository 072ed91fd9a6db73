import AcuhookSQLite
import AcuhookStore
import AcuhookTesting
import AcuhookTestingHTTP
import Foundation
import Logging
import Testing

extension ServeCommandTests {
    /// SIGTERM with a hung in-process plugin: the process exits within the grace period (plus a
    /// little), and the hung call's job is pending again with no attempt spent.
    @Test func sigtermWithAHungPluginExitsWithinTheGraceAndGivesTheJobBack() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let config = try FixturePlugins.writeConfiguration(
            in: dir,
            """
            dispatch: {idle_poll: 50ms}
            plugins:
              - path: \(FixturePlugins.path("FixtureScripted"))
                events: ["Fixture.*"]
                timeout: 1h
            """
        )
        try String(contentsOf: config, encoding: .utf8)
            .replacingOccurrences(of: "server: {host: 127.0.0.1, port: 0}", with: "server: {host: 127.0.0.1, port: 0, shutdown_grace: 1s}")
            .write(to: config, atomically: true, encoding: .utf8)
        let server = try await Server.start(arguments: ["--config", config.path], in: dir)
        let admin = try #require(try await server.adminURL())
        _ = try await runCommand(
            FixturePlugins.acuhookExecutable,
            ["send", "Fixture.Test", "--entity-id", "hang", "--delivery-id", "h1", "--config", config.path, "--url", "http://127.0.0.1:\(server.port)/webhooks/erp"]
        )
        // The call is running (and will not return).
        #expect(try await waitFor {
            let plugins = try await httpGet("\(admin)/plugins")["plugins"] as? [[String: Any]] ?? []
            return (plugins.first?["counters"] as? [String: Any])?["in_flight"] as? Int == 1
        })
        let stopping = ContinuousClock.now
        let status = await server.stop()
        let took = ContinuousClock.now - stopping
        #expect(status == 0)
        #expect(took < .seconds(3), "\(took)")
        let log = try String(contentsOf: server.log, encoding: .utf8)
        #expect(log.contains("plugin call abandoned at shutdown") && log.contains("acuhook.plugin=fixture-scripted"))
        let store = try SQLiteEventStore(configuration: .init(path: dir.appendingPathComponent("data/inbox.db").path), logger: Logger(label: "test"))
        let job = try #require(try await store.jobRows().first)
        #expect(job.state == .pending)
        #expect(try await store.delivery(1)?.events.first?.jobs.first?.attempts == 0)
    }
}
