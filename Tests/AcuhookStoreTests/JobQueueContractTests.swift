import AcuhookCore
import AcuhookStore
import AcuhookTesting
import Foundation
import Testing

/// The job queue's contract, on every store: claims, leases and claim tokens, ordering lanes,
/// the derived-event budget, dead letters.
@Suite struct JobQueueContractTests {
    func event(_ id: String, plugins: [String], ordered: Set<String> = [], orderingKey: String = "") -> InboundEvent {
        var event = InboundEvent(eventType: "StockItem.Updated", entityType: "StockItem", entityId: id, tenant: "T", orderingKey: orderingKey, json: Array("{}".utf8), plugins: plugins)
        event.orderedPlugins = ordered
        return event
    }

    func delivery(_ key: String, _ events: [InboundEvent], at time: Int64 = 1_000) -> Delivery {
        Delivery(source: "s", idempotencyKey: key, idempotencyKeyOrigin: "test", format: .pushNotification, receivedAtUnixMilliseconds: time, body: [], headers: [], clientAddress: "-", events: events)
    }

    @Test(arguments: StoreBackend.available)
    func orderedJobsOfOneEntityRunOneAtATimeEvenAcrossRetries(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        _ = try await store.accept(delivery("k", [
            event("A", plugins: ["p", "q"], ordered: ["p"]),  // job 1 (p, lane A), job 2 (q, no lane)
            event("A", plugins: ["p", "q"], ordered: ["p"]),  // job 3 (p, lane A: waits for 1), job 4 (q)
            event("B", plugins: ["p"], ordered: ["p"]),  // job 5 (p, lane B)
        ]), keepKeyFor: .seconds(60))
        let first = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_000)
        #expect(first.map(\.id) == [1, 2, 4, 5])
        // Job 1 fails and is rescheduled: job 3 (same lane) must still wait.
        try await store.complete([JobCompletion(jobID: 1, disposition: .retry(atUnixMilliseconds: 5_000, delayMilliseconds: 3_000), attempt: nil)])
        #expect(try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 3_000).isEmpty)
        let retried = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 5_000)
        #expect(retried.map(\.id) == [1])
        try await store.complete([JobCompletion(jobID: 1, disposition: .done(skipped: false), attempt: nil)])
        #expect(try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 5_001).map(\.id) == [3])
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func jobsOfOneEntityRunInTimeStampOrderWhateverTheReceiptOrder(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        func push(_ key: String, _ stamps: [String]) -> Delivery {
            delivery(key, stamps.map { event("AALEGO500", plugins: ["p"], ordered: ["p"], orderingKey: $0) })
        }
        // Received newest first (a resend of older notifications arriving late); ticks exceed 2^53
        // and "99" < "100" numerically though not as text.
        _ = try await store.accept(push("a", ["638465233453014300"]), keepKeyFor: .seconds(60))  // job 1
        _ = try await store.accept(push("b", ["638465233453014100", "638465233453014200"]), keepKeyFor: .seconds(60))  // jobs 2, 3
        _ = try await store.accept(push("c", ["99"]), keepKeyFor: .seconds(60))  // job 4
        var order: [Int64] = []
        for now in Int64(2_000)..<2_010 {
            let claimed = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: now)
            #expect(claimed.count <= 1, "one job of the lane at a time")
            guard let job = claimed.first else { break }
            order.append(job.id)
            try await store.complete([JobCompletion(jobID: job.id, claim: job.claim, disposition: .done(skipped: false), attempt: nil)])
        }
        #expect(order == [4, 2, 3, 1])
        // A running job holds its lane even for an older TimeStamp arriving later.
        _ = try await store.accept(push("d", ["638465233453014300"]), keepKeyFor: .seconds(60))  // job 5
        #expect(try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_100).map(\.id) == [5])
        _ = try await store.accept(push("e", ["638465233453014100"]), keepKeyFor: .seconds(60))  // job 6
        #expect(try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_101).isEmpty)
        try await store.complete([JobCompletion(jobID: 5, disposition: .done(skipped: false), attempt: nil)])
        #expect(try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_102).map(\.id) == [6])
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func anExpiredLeaseReturnsTheJobAndALateCompletionChangesNothing(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        _ = try await store.accept(delivery("k", [event("A", plugins: ["p"])]), keepKeyFor: .seconds(60))
        let lost = try #require(try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(1), nowUnixMilliseconds: 2_000).first)
        // Within the lease nobody else gets it; after it, the next claim does, under a new token.
        #expect(try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(1), nowUnixMilliseconds: 2_500).isEmpty)
        let taken = try #require(try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 5_000).first)
        #expect(taken.id == lost.id && taken.claim != lost.claim && taken.attempt == 1)
        // The first dispatcher wakes up and reports: dropped. Its release is ignored too.
        let failed = AttemptRecord(number: 1, startedAtUnixMilliseconds: 2_000, durationMilliseconds: 4_000, outcome: .retry, message: "late")
        try await store.complete([JobCompletion(jobID: lost.id, claim: lost.claim, disposition: .dead(reason: .exhausted), attempt: failed)])
        try await store.release([lost], nowUnixMilliseconds: 5_500)
        #expect(try await store.jobCounts() == [.running: 1])
        #expect(try await store.count("job_attempts") == 0)
        // The current claim's completion applies.
        try await store.complete([JobCompletion(jobID: taken.id, claim: taken.claim, disposition: .done(skipped: false), attempt: nil)])
        #expect(try await store.jobCounts() == [.done: 1])
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func releasedJobsAreDueAtOnceWithNoAttemptCounted(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        _ = try await store.accept(delivery("k", [event("A", plugins: ["p"]), event("B", plugins: ["p"])]), keepKeyFor: .seconds(60))
        let claimed = try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_000)
        #expect(claimed.count == 2)
        try await store.release(claimed, nowUnixMilliseconds: 2_100)
        #expect(try await store.jobCounts() == [.pending: 2])
        let again = try await store.claimJobs(plugins: ["p"], limit: 1, lease: .seconds(60), nowUnixMilliseconds: 2_100)
        #expect(again.map(\.attempt) == [1])
        #expect(again.map(\.id) == [claimed[0].id])
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func theDerivedEventBudgetCoversTheWholeTreeAndSurvivesAReopen(_ backend: StoreBackend) async throws {
        func derived() -> InboundEvent {
            InboundEvent(eventType: "Probe.Derived", entityType: "X", entityId: "1", tenant: "", orderingKey: "", json: Array("{}".utf8), plugins: ["p"])
        }
        let place = try backend.place()
        var store = try await place.open()
        _ = try await store.accept(delivery("root", [event("1", plugins: ["p"])]), keepKeyFor: .seconds(60))
        let ok = AttemptRecord(number: 1, startedAtUnixMilliseconds: 2_000, durationMilliseconds: 1, outcome: .ok, message: nil)
        // The received event's job emits 3 of a budget of 5: all stored.
        let first = try #require(try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_000).first)
        let none = try await store.complete([JobCompletion(jobID: first.id, claim: first.claim, disposition: .done(skipped: false), attempt: ok, derived: (0..<3).map { _ in derived() }, derivedBudget: 5)])
        #expect(none.isEmpty)
        // Reopened (a restart): a derived event's job emits 3 more; 2 fit.
        await store.close()
        store = try await place.open()
        // Derived events are due from their commit (wall-clock time).
        let children = try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: SystemWallClock().nowUnixMilliseconds + 1_000)
        #expect(children.count == 3)
        #expect(children.allSatisfy { $0.event.source == "derived" })
        let refused = try await store.complete([JobCompletion(jobID: children[0].id, disposition: .done(skipped: false), attempt: ok, derived: (0..<3).map { _ in derived() }, derivedBudget: 5)])
        #expect(refused.count == 1 && refused[0].refused == 1 && refused[0].first && refused[0].rootDelivery == 1)
        // A grandchild's job: nothing left; refused again, but not the first refusal.
        let again = try await store.complete([JobCompletion(jobID: children[1].id, disposition: .done(skipped: false), attempt: ok, derived: [derived()], derivedBudget: 5)])
        #expect(again.count == 1 && again[0].refused == 1 && !again[0].first)
        #expect(try await store.events(after: 0, limit: 100).filter { $0.event.eventType == "Probe.Derived" }.count == 5)
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func summarisesJobsTheOldestDueJobPerPluginAndDeadLettersByReason(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        #expect(try await store.queueSummary() == QueueSummary())
        func one(_ key: String, _ plugins: [String], at time: Int64) -> Delivery {
            delivery(key, [InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: key, tenant: "", orderingKey: "", json: Array("{}".utf8), plugins: plugins)], at: time)
        }
        _ = try await store.accept(one("a", ["p", "q"], at: 1_000), keepKeyFor: .seconds(60))
        _ = try await store.accept(one("b", ["p"], at: 5_000), keepKeyFor: .seconds(60))
        _ = try await store.accept(one("c", ["q"], at: 9_000), keepKeyFor: .seconds(60))
        var summary = try await store.queueSummary(nowUnixMilliseconds: 6_000)
        #expect(summary.jobs == [.pending: 4])
        #expect(summary.earliestDueByPlugin == ["p": 1_000, "q": 1_000])
        #expect(summary.dueByPlugin == ["p": 2, "q": 1])
        #expect(summary.oldestPendingAge(of: "p", nowUnixMilliseconds: 11_000) == .seconds(10))
        // q's two jobs die, one rejected and one exhausted; p's first job is done.
        let claimed = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 10_000)
        let attempt = AttemptRecord(number: 1, startedAtUnixMilliseconds: 10_000, durationMilliseconds: 1, outcome: .rejected, message: nil)
        let q = claimed.filter { $0.plugin == "q" }.sorted { $0.id < $1.id }
        let p = try #require(claimed.filter { $0.plugin == "p" }.min { $0.id < $1.id })
        try await store.complete([
            JobCompletion(jobID: q[0].id, claim: q[0].claim, disposition: .dead(reason: .rejected), attempt: attempt),
            JobCompletion(jobID: q[1].id, claim: q[1].claim, disposition: .dead(reason: .exhausted), attempt: attempt),
            JobCompletion(jobID: p.id, claim: p.claim, disposition: .done(skipped: false), attempt: nil),
        ])
        summary = try await store.queueSummary()
        #expect(summary.jobs == [.running: 1, .done: 1, .dead: 2])
        #expect(summary.earliestDueByPlugin.isEmpty)
        #expect(summary.deadLetters == [.init(plugin: "q", reason: .exhausted, count: 1), .init(plugin: "q", reason: .rejected, count: 1)])
        #expect(try await store.deadLetterCount(DeadLetterFilter(reason: .rejected)) == 1)
        #expect(try await store.deadLetterCount(DeadLetterFilter(plugin: "p")) == 0)
        #expect(try await store.purge(DeadLetterFilter(reason: .rejected)) == 1)
        #expect(try await store.deadLetters().map(\.reason) == [.exhausted])
        #expect(try await store.deadLetters().first?.attempts.map(\.outcome) == [.rejected])
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func bulkReplayRunsInBatchesReportsProgressAndKeepsHistory(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let events = (0..<7).map { event("C\($0)", plugins: ["p"]) }
        _ = try await store.accept(delivery("k", events), keepKeyFor: .seconds(60))
        let claimed = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_000)
        try await store.complete(claimed.map { job in
            JobCompletion(jobID: job.id, claim: job.claim, disposition: .dead(reason: .exhausted), attempt: AttemptRecord(number: 1, startedAtUnixMilliseconds: 2_000, durationMilliseconds: 1, outcome: .retry, message: "down"))
        })
        var reported: [[Int]] = []
        let count = try await store.replay(DeadLetterFilter(plugin: "p"), nowUnixMilliseconds: 3_000, batchSize: 3) { done, total in reported.append([done, total]) }
        #expect(count == 7)
        #expect(reported == [[0, 7], [3, 7], [6, 7], [7, 7]])
        #expect(try await store.jobCounts() == [.pending: 7])
        #expect(try await store.count("job_attempts") == 7)
        // A fresh budget: the next claim is attempt 1 again.
        let again = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 3_000)
        #expect(again.map(\.attempt) == Array(repeating: 1, count: 7))
        #expect(try await store.replay(DeadLetterFilter(), nowUnixMilliseconds: 4_000) == 0)
        // A replayed job's success is recorded after its history; a job that succeeds at its
        // first attempt with no history gets no attempt row (its job row is the record).
        let success = AttemptRecord(number: 1, startedAtUnixMilliseconds: 3_000, durationMilliseconds: 1, outcome: .ok, message: nil)
        try await store.complete([JobCompletion(jobID: again[0].id, claim: again[0].claim, disposition: .done(skipped: false), attempt: success)])
        #expect(try await store.count("job_attempts") == 8)
        _ = try await store.accept(delivery("k2", [events[0]], at: 5_000), keepKeyFor: .seconds(60))
        let fresh = try await store.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 5_000)
        #expect(fresh.count == 1)
        try await store.complete([JobCompletion(jobID: fresh[0].id, claim: fresh[0].claim, disposition: .done(skipped: false), attempt: success)])
        #expect(try await store.count("job_attempts") == 8)
        #expect(try await store.jobCounts()[.done] == 2)
        await store.close()
    }
}
