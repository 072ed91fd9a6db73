import AcuhookTesting
import AcuhookTestingHTTP
import Foundation
import Testing

extension ServeCommandTests {
    /// `plugins[].rate`: 100 events through a plugin allowed 20 a second take at least 4.5 s,
    /// every one handled once with nothing dead-lettered; meanwhile the jobs over the rate wait in
    /// the store and show in /metrics and `acuhook status` (the console: ConsoleTests).
    @Test func aRateOf20PerSecondPacesAHundredEventsAndNothingIsDeadLettered() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let config = try FixturePlugins.writeConfiguration(
            in: dir,
            """
            dispatch: {idle_poll: 50ms}
            plugins:
              - path: \(FixturePlugins.path("FixtureScripted"))
                events: ["StockItem.*"]
                rate: 20/s
            """
        )
        let rows = (1...100).map { #"{"InventoryID":"ITEM-\#($0)"}"# }.joined(separator: ",")
        let body = dir.appendingPathComponent("push.json")
        try #"{"Inserted":[\#(rows)],"Deleted":[],"Query":"Stock Items","Id":"rate-test","CompanyId":"C","TimeStamp":1}"#
            .write(to: body, atomically: true, encoding: .utf8)
        let server = try await Server.start(arguments: ["--config", config.path], in: dir)
        let admin = try #require(try await server.adminURL())
        let metricsURL = admin.replacingOccurrences(of: "/admin", with: "/metrics")
        let started = ContinuousClock.now
        let sent = try await runCommand(FixturePlugins.acuhookExecutable, ["send", "--file", body.path, "--config", config.path, "--url", "http://127.0.0.1:\(server.port)/webhooks/erp"])
        #expect(sent.status == 0, "\(sent.stdout) \(sent.stderr)")

        // While they are paced, the jobs over the rate wait in the store, and say so.
        let waiting = #"acuhook_jobs_waiting_for_rate{plugin="fixture-scripted"}"#
        #expect(try await waitFor { (try await httpText(metricsURL).body.sample(waiting) ?? 0) > 10 })
        let status = try await runCommand(FixturePlugins.acuhookExecutable, ["status", "--admin", admin.replacingOccurrences(of: "/admin", with: "")])
        #expect(status.stdout.contains("rate 20/s, ") && status.stdout.contains(" waiting for it"), "\(status.stdout) \(status.stderr)")

        let metricsText = { try await httpText(metricsURL).body }
        #expect(try await waitFor { try await metricsText().sample(#"acuhook_plugin_calls_total{plugin="fixture-scripted",outcome="ok"}"#) == 100 })
        let elapsed = ContinuousClock.now - started
        // 100 events, one token each, 20 a second from a bucket of 1: at least 99 / 20 = 4.95 s.
        #expect(elapsed >= .milliseconds(4_500), "\(elapsed)")
        let text = try await metricsText()
        #expect(text.sample(#"acuhook_jobs{state="dead"}"#) == 0)
        #expect(text.sample(#"acuhook_jobs{state="done"}"#) == 100)
        #expect(text.sample(waiting) == 0)
        // Nothing was held unattempted (no attempt spent, the breaker never asked).
        #expect(text.sample(#"acuhook_plugin_calls_total{plugin="fixture-scripted",outcome="not_attempted"}"#) ?? 0 == 0)
        _ = await server.stop()
    }
}
