import AcuhookCore
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import MetricsTestKit
import Testing

/// The queue figures `/metrics` and the alerts read, and the store's commit metrics, on a real
/// SQLite file.
@Suite struct QueueSummaryTests {
    func delivery(_ key: String, plugins: [String], at time: Int64) -> Delivery {
        let event = InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: key, tenant: "", orderingKey: "", json: Array("{}".utf8), plugins: plugins)
        return Delivery(
            source: "s", idempotencyKey: key, idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: time,
            body: [], headers: [], clientAddress: "-", events: [event]
        )
    }

    @Test func summarisesJobsTheOldestDueJobPerPluginAndDeadLettersByReason() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("summary.db").path
        let metrics = TestMetrics()
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"), metricsFactory: metrics)
        #expect(try await store.queueSummary() == QueueSummary())

        _ = try await store.accept(delivery("a", plugins: ["p", "q"], at: 1_000), keepKeyFor: .seconds(60))
        _ = try await store.accept(delivery("b", plugins: ["p"], at: 5_000), keepKeyFor: .seconds(60))
        _ = try await store.accept(delivery("c", plugins: ["q"], at: 9_000), keepKeyFor: .seconds(60))
        // p: a (due 1000) and b (due 5000) pending; q: a and c pending.
        var summary = try await store.queueSummary()
        #expect(summary.jobs == [.pending: 4])
        #expect(summary.earliestDueByPlugin == ["p": 1_000, "q": 1_000])
        #expect(summary.oldestPendingAge(of: "p", nowUnixMilliseconds: 11_000) == .seconds(10))
        #expect(summary.oldestPendingAge(of: "p", nowUnixMilliseconds: 500) == .zero)
        #expect(summary.oldestPendingAge(of: "nobody", nowUnixMilliseconds: 11_000) == .zero)

        // q's two jobs die, one rejected and one exhausted; p's first job is done.
        let claimed = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 10_000)
        let attempt = AttemptRecord(number: 1, startedAtUnixMilliseconds: 10_000, durationMilliseconds: 1, outcome: .rejected, message: nil)
        let q = claimed.filter { $0.plugin == "q" }.sorted { $0.id < $1.id }
        let p = try #require(claimed.filter { $0.plugin == "p" }.min { $0.id < $1.id })
        try await store.complete([
            JobCompletion(jobID: q[0].id, disposition: .dead(reason: .rejected), attempt: attempt),
            JobCompletion(jobID: q[1].id, disposition: .dead(reason: .exhausted), attempt: attempt),
            JobCompletion(jobID: p.id, disposition: .done(skipped: false), attempt: nil),
        ])
        summary = try await store.queueSummary()
        #expect(summary.jobs == [.running: 1, .done: 1, .dead: 2])
        #expect(summary.earliestDueByPlugin.isEmpty)
        #expect(summary.deadLetters == [.init(plugin: "q", reason: .exhausted, count: 1), .init(plugin: "q", reason: .rejected, count: 1)])
        #expect(summary.deadLetterTotal == 2)

        // Every commit was timed; the three holding deliveries were counted, one each.
        let commits = try metrics.expectTimer("acuhook_store_commit_duration_seconds")
        #expect(commits.values.count >= 5)
        let perCommit = try metrics.expectRecorder("acuhook_store_commit_deliveries")
        #expect(perCommit.values == [1, 1, 1])
        #expect(metrics.counterTotal(label: "acuhook_store_commit_failures_total") == 0)
    }
}
