import AcuhookCore
import AcuhookStore
import AcuhookTesting
import Foundation
import GRDB
import Logging
import Testing

/// Finished work past the retention goes; dead letters and pending jobs stay; the sweep works
/// in batches and the file gives its pages back.
@Suite struct RetentionTests {
    let day: Int64 = 86_400_000
    let now: Int64 = 1_796_000_000_000

    func delivery(_ key: String, at time: Int64, plugins: [String] = ["p"]) -> Delivery {
        let body = Array(String(repeating: "x", count: 2_000).utf8)
        let event = InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: key, tenant: "", orderingKey: "", json: body, plugins: plugins)
        return Delivery(
            source: "s", idempotencyKey: key, idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: time,
            body: body, headers: [], clientAddress: "-", events: [event]
        )
    }

    @Test func finishedWorkPastTheRetentionGoesAndDeadOrPendingWorkStays() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("retention.db").path
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        for (key, age) in [("old-done", 8), ("old-dead", 8), ("old-pending", 8), ("old-no-jobs", 9), ("new-done", 1)] {
            _ = try await store.accept(delivery(key, at: now - Int64(age) * day, plugins: key == "old-no-jobs" ? [] : ["p"]), keepKeyFor: .seconds(60))
        }
        let claimed = try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: now)
        let byKey = Dictionary(uniqueKeysWithValues: claimed.map { ($0.event.idempotencyKey, $0.id) })
        let attempt = AttemptRecord(number: 1, startedAtUnixMilliseconds: now, durationMilliseconds: 1, outcome: .retry, message: "down")
        try await store.complete([
            JobCompletion(jobID: byKey["old-done"]!, disposition: .done(skipped: false), attempt: attempt),
            JobCompletion(jobID: byKey["old-dead"]!, disposition: .dead(reason: .exhausted), attempt: attempt),
            JobCompletion(jobID: byKey["old-pending"]!, disposition: .retry(atUnixMilliseconds: now + 1_000, delayMilliseconds: 1_000), attempt: attempt),
            JobCompletion(jobID: byKey["new-done"]!, disposition: .done(skipped: false), attempt: nil),
        ])
        let removed = try await store.removeFinishedDeliveries(receivedBefore: now - 7 * day, limit: 100)
        #expect(removed == 2)  // old-done and old-no-jobs
        let left = try await store.deliveries(DeliveryFilter(), before: nil, limit: 10).map(\.idempotencyKey)
        #expect(Set(left) == ["old-dead", "old-pending", "new-done"])
        #expect(try await store.count("events") == 3)
        #expect(try await store.count("jobs") == 3)
        #expect(try await store.count("job_attempts") == 2)  // old-dead's and old-pending's
        #expect(try await store.deadLetters().count == 1)
    }

    @Test func aStepIsFollowedByAPauseAsLongAsItTook() {
        let pacing = SweepPacing(minimumPause: .milliseconds(2))
        #expect(pacing.pause(after: .milliseconds(7)) == .milliseconds(7))
        #expect(pacing.pause(after: .microseconds(300)) == .milliseconds(2))
    }

    @Test func oneStepRemovesAtMostItsLimitOldestFirst() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("step.db").path
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        for index in 0..<30 {
            _ = try await store.accept(delivery("k\(index)", at: now - 8 * day + Int64(index), plugins: []), keepKeyFor: .seconds(60))
        }
        #expect(try await store.removeFinishedDeliveries(receivedBefore: now - 7 * day, limit: 12) == 12)
        let left = try await store.deliveries(DeliveryFilter(), before: nil, limit: 100).map(\.idempotencyKey)
        #expect(Set(left) == Set((12..<30).map { "k\($0)" }))
        #expect(try await store.expireIdempotencyKeys(nowUnixMilliseconds: now, limit: 5) == 5)
    }

    @Test func aLargeSweepWorksInBatchesAndTheFileShrinks() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("shrink.db").path
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        for index in 0..<1_200 {
            _ = try await store.accept(delivery("k\(index)", at: now - 8 * day + Int64(index), plugins: []), keepKeyFor: .seconds(60))
        }
        _ = try await store.accept(delivery("recent", at: now, plugins: []), keepKeyFor: .seconds(60))
        func pages() async throws -> Int { try await DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "PRAGMA page_count") ?? 0 } }
        let before = try await pages()
        let sweeper = StoreSweeper(
            store: store, retention: .seconds(7 * 86_400), pacing: SweepPacing(batchSize: 100, pagesPerStep: 64, minimumPause: .milliseconds(1)),
            wallClock: FixedWallClock(now), logger: Logger(label: "test")
        )
        let sweep = await sweeper.sweep()
        #expect(sweep.deliveries == 1_200)
        #expect(sweep.keys == 1_200)  // kept for 60 s, eight days ago; the recent one stays
        #expect(sweep.pages > 64, "reclaimed in several steps")
        #expect(try await store.count("deliveries") == 1)
        let vacuum = try await DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "PRAGMA auto_vacuum") }
        #expect(vacuum == 2)  // incremental
        let after = try await pages()
        #expect(after < before / 4, "page_count \(before) → \(after)")
    }
}
