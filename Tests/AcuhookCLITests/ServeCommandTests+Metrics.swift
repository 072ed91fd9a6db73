import AcuhookTesting
import AcuhookTestingHTTP
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

extension ServeCommandTests {
    @Test func metricsAreServedOnTheAdminListenerCountOnThroughAReloadAndPassPromtool() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        @discardableResult
        func write(output: String) throws -> URL {
            try FixturePlugins.writeConfiguration(
                in: dir,
                """
                dispatch: {idle_poll: 50ms}
                plugins:
                  - path: \(FixturePlugins.path("CustomerSync"))
                    config: {output: \(dir.path)/\(output)}
                  - path: \(FixturePlugins.path("FixtureScripted"))
                    events: ["Fixture.*"]
                """
            )
        }
        let config = try write(output: "first.jsonl")
        let server = try await Server.start(arguments: ["--config", config.path], in: dir)
        let admin = try #require(try await server.adminURL())
        let metricsURL = admin.replacingOccurrences(of: "/admin", with: "/metrics")
        let url = "http://127.0.0.1:\(server.port)/webhooks/erp"
        func send(_ arguments: String...) async throws {
            _ = try await runCommand(FixturePlugins.acuhookExecutable, ["send"] + arguments + ["--config", config.path, "--url", url])
        }
        try await send("Customer.Updated", "--delivery-id", "d1")
        try await send("Customer.Updated", "--delivery-id", "d2")
        try await send("Customer.Updated", "--delivery-id", "d1")
        try await send("Fixture.Test", "--entity-id", "reject", "--delivery-id", "d3")
        _ = try await runCommand(FixturePlugins.acuhookExecutable, ["send", "--secret", "not-it", "--url", url])

        let ok = #"acuhook_plugin_calls_total{plugin="customer-sync",outcome="ok"}"#
        #expect(try await waitFor { try await httpText(metricsURL).body.sample(ok) == 2 })
        #expect(try await waitFor { try await httpText(metricsURL).body.sample(#"acuhook_dead_letters{plugin="fixture-scripted",reason="rejected"}"#) == 1 })
        let (status, contentType, text) = try await httpText(metricsURL)
        #expect(status == 200 && contentType?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(text.sample(#"acuhook_deliveries_total{source="erp",code="200",duplicate="false"}"#) == 3)
        #expect(text.sample(#"acuhook_deliveries_total{source="erp",code="200",duplicate="true"}"#) == 1)
        #expect(text.sample(#"acuhook_deliveries_total{source="erp",code="401",duplicate="false"}"#) == 1)
        #expect(text.sample(#"acuhook_events_stored_total{source="erp"}"#) == 3)
        #expect(text.sample(#"acuhook_jobs{state="dead"}"#) == 1)
        #expect(text.sample(#"acuhook_plugin_calls_total{plugin="fixture-scripted",outcome="rejected"}"#) == 1)
        #expect(text.sample(#"acuhook_breaker_state{plugin="customer-sync"}"#) == 0)
        #expect((text.sample(#"acuhook_delivery_duration_seconds_count{source="erp"}"#) ?? 0) == 5)
        #expect((text.sample("acuhook_store_commit_duration_seconds_count") ?? 0) >= 3)
        #expect((text.sample("process_resident_memory_bytes") ?? 0) > 1_000_000)
        #expect((text.sample("process_open_fds") ?? 0) > 3)
        #expect(text.contains("# HELP acuhook_deliveries_total ") && text.contains("# TYPE acuhook_deliveries_total counter"))

        // Reloaded with changed settings, customer-sync is a new instance; its series count on.
        try write(output: "second.jsonl")
        let (reloadStatus, report) = try await httpPost("\(admin)/reload", body: "")
        #expect(reloadStatus == 200 && report["replaced"] as? [String] == ["customer-sync"])
        try await send("Customer.Updated", "--delivery-id", "d4")
        #expect(try await waitFor { try await httpText(metricsURL).body.sample(ok) == 3 })
        let after = try await httpText(metricsURL).body
        #expect(after.sample(#"acuhook_reloads_total{result="applied"}"#) == 1)

        // Prometheus' own linter accepts the exposition (Debian's `prometheus` package, which
        // scripts/test.sh installs).
        let promtool = "/usr/bin/promtool"
        if FileManager.default.isExecutableFile(atPath: promtool) {
            let file = dir.appendingPathComponent("metrics.txt")
            try after.write(to: file, atomically: true, encoding: .utf8)
            let check = try await runCommand("/bin/sh", ["-c", "\(promtool) check metrics < '\(file.path)'"])
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        } else {
            Issue.record("promtool is not installed (scripts/test.sh installs Debian's prometheus package)")
        }
        #expect(await server.stop() == 0)
    }

    @Test func metricsOffAndHealthDetailsHidden() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let config = dir.appendingPathComponent("acuhook.yaml")
        // Not the shared head: this one's server section differs.
        try """
            server: {host: 127.0.0.1, port: 0, health_details: false}
            admin: {metrics: false}
            store: {path: data/inbox.db}
            sources: [{name: erp, auth: {scheme: none}}]
            """.write(to: config, atomically: true, encoding: .utf8)
        let server = try await Server.start(arguments: ["--config", config.path], in: dir)
        let admin = try #require(try await server.adminURL())
        let metrics = try await httpText(admin.replacingOccurrences(of: "/admin", with: "/metrics"))
        #expect(metrics.status == 404 && metrics.body.contains(#""code":"not_found""#))
        #expect(try await httpText("http://127.0.0.1:\(server.port)/health").body == #"{"status":"ok"}"#)
        #expect(await server.stop() == 0)
    }
}

/// GETs `url`: status, content type and body text.
func httpText(_ url: String) async throws -> (status: Int, contentType: String?, body: String) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
    let http = response as? HTTPURLResponse
    return (http?.statusCode ?? 0, http?.value(forHTTPHeaderField: "Content-Type"), String(decoding: data, as: UTF8.self))
}

extension String {
    /// The value of the sample `series` (name and labels exactly as exposed), or nil.
    func sample(_ series: String) -> Double? {
        for line in split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }
}
