import AcuhookCore
import AcuhookSQLite
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import MetricsTestKit
import Testing

/// The SQLite store's commit metrics (the queue summary itself is in JobQueueContractTests).
@Suite struct StoreCommitMetricsTests {
    @Test func everyCommitIsTimedAndItsDeliveriesCounted() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("summary.db").path
        let metrics = TestMetrics()
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"), metricsFactory: metrics)
        for (key, time) in [("a", Int64(1_000)), ("b", 5_000), ("c", 9_000)] {
            let event = InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: key, tenant: "", orderingKey: "", json: Array("{}".utf8), plugins: ["p"])
            _ = try await store.accept(
                Delivery(source: "s", idempotencyKey: key, idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: time, body: [], headers: [], clientAddress: "-", events: [event]),
                keepKeyFor: .seconds(60)
            )
        }
        let claimed = try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 10_000)
        try await store.complete(claimed.map { JobCompletion(jobID: $0.id, claim: $0.claim, disposition: .done(skipped: false), attempt: nil) })
        // Every commit was timed; the three holding deliveries were counted, one each.
        let commits = try metrics.expectTimer("acuhook_store_commit_duration_seconds")
        #expect(commits.values.count >= 5)
        let perCommit = try metrics.expectRecorder("acuhook_store_commit_deliveries")
        #expect(perCommit.values == [1, 1, 1])
        #expect(metrics.counterTotal(label: "acuhook_store_commit_failures_total") == 0)
    }
}
