import AcuhookCore
import AcuhookStore
import AcuhookTesting
import AcuhookTestingHTTP
import Foundation
import Testing

/// Backfills through a plugin, on each store: 1,000 stored events the plugin never got are
/// counted by `acuhook replay --dry-run` and the admin API, created as jobs by `acuhook replay`,
/// and then run through the real customer-sync plugin by the running application, once each.
@Suite struct ReplayTests {
    @Test(arguments: StoreBackend.available)
    func aThousandStoredEventsAreReplayedThroughAPluginWithADryRunFirst(backend: StoreBackend) async throws {
        // A running application dispatching 1,000 jobs and four command processes: it takes its
        // turn among the tests that load the whole machine.
        try await HeavyTests.oneAtATime { try await replayThroughAPlugin(backend: backend) }
    }

    func replayThroughAPlugin(backend: StoreBackend) async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let place = try backend.place()
        let config = try FixturePlugins.writeConfiguration(
            in: dir,
            store: place.url.map { "store: {url: '\($0)'}" } ?? "store: {path: \(place.location)}",
            """
            dispatch: {idle_poll: 50ms}
            plugins:
              - path: \(FixturePlugins.path("CustomerSync"))
                config: {output: \(dir.path)/customers.jsonl}
            """
        )
        // 1,000 customer events received an hour ago, before customer-sync was configured: no jobs.
        let store = try await place.open()
        let received = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        for batch in 0..<10 {
            let events = (0..<100).map { n -> InboundEvent in
                let id = "C\(batch * 100 + n)"
                let json = #"{"eventType":"Customer.Updated","entityType":"Customer","entityId":"\#(id)","data":{"CustomerID":{"value":"\#(id)"}}}"#
                return InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: id, tenant: "T", orderingKey: "", json: Array(json.utf8))
            }
            let delivery = Delivery(
                source: "erp", idempotencyKey: "history-\(batch)", idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: received + Int64(batch),
                body: Array("{}".utf8), headers: [], clientAddress: "-", events: events
            )
            _ = try await store.accept(delivery, keepKeyFor: .seconds(3600))
        }
        #expect(try await store.count("jobs") == 0)
        await store.close()

        let replay = ["replay", "--config", config.path, "--plugin", "customer-sync", "--since", "1d"]
        let dryRun = try await runCommand(FixturePlugins.acuhookExecutable, replay + ["--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        #expect(dryRun.stdout.contains("1000 event(s) would be sent to customer-sync again (types: Customer.Updated)"), "\(dryRun.stdout)")
        #expect(dryRun.stdout.contains("Customer.Updated  C0  (delivery #") && dryRun.stdout.contains("… and 990 more"))
        let wrong = try await runCommand(FixturePlugins.acuhookExecutable, ["replay", "--config", config.path, "--plugin", "nobody", "--since", "1d"])
        #expect(wrong.status != 0 && wrong.stderr.contains("no plugin named 'nobody'"))

        let application = try await RunningApplication.start(config: config)
        let admin = try #require(application.adminURL)
        // The admin API counts the same before anything is created…
        let (status, preview) = try await httpPost("\(admin)/replays", body: #"{"plugin":"customer-sync","since":"1d","dry_run":true}"#)
        #expect(status == 200 && preview["count"] as? Int == 1000 && (preview["first"] as? [Any])?.count == 10, "\(preview)")
        let (badStatus, bad) = try await httpPost("\(admin)/replays", body: #"{"plugin":"customer-sync","since":"yesterday"}"#)
        #expect(badStatus == 400 && bad["code"] as? String == "invalid_since")

        // …and the CLI creates the jobs, which the running dispatcher hands to the plugin.
        let created = try await runCommand(FixturePlugins.acuhookExecutable, replay)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("created 1000 job(s) for customer-sync (1000 event(s) in all)"), "\(created.stdout)")
        func written() -> [String] {
            let text = (try? String(contentsOf: dir.appendingPathComponent("customers.jsonl"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String }
        }
        #expect(try await waitFor { written().count >= 1000 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(written().count == 1000 && Set(written()).count == 1000, "each event once")
        try await application.stop()
    }
}
