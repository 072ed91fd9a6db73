import AcuhookCore
import AcuhookStore
import AcuhookTesting
import Foundation
import Testing

/// The inbox's contract, on every store: SQLite always, PostgreSQL when the test run has a
/// database (scripts/test.sh starts one).
@Suite struct InboxContractTests {
    static let day: Int64 = 86_400_000
    static let now: Int64 = 1_796_000_000_000

    func delivery(key: String, events: Int = 1, at time: Int64 = 1_700_000_000_000, source: String = "acumatica", plugins: [String] = []) -> Delivery {
        Delivery(
            source: source,
            idempotencyKey: key,
            idempotencyKeyOrigin: "X-Acumatica-Delivery",
            format: .guide,
            receivedAtUnixMilliseconds: time,
            body: Array(#"{"eventType":"Customer.Updated"}"#.utf8),
            headers: [Delivery.HeaderField(name: "x-acumatica-delivery", value: key)],
            clientAddress: "127.0.0.1",
            events: (0..<events).map { index in
                InboundEvent(
                    eventType: "Customer.Updated", entityType: "Customer", entityId: "C\(index)", tenant: "T",
                    orderingKey: "638465233453014192", json: Array(#"{"n":\#(index)}"#.utf8), plugins: plugins
                )
            }
        )
    }

    @Test(arguments: StoreBackend.available)
    func acceptsStoresEverythingAndDeduplicates(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        guard case .accepted(let id, let events) = try await store.accept(delivery(key: "k1", events: 2), keepKeyFor: .seconds(3 * 86400)) else {
            Issue.record("first delivery was not accepted")
            return
        }
        #expect(events.count == 2)
        #expect(try await store.accept(delivery(key: "k1", events: 2), keepKeyFor: .seconds(3 * 86400)) == .duplicate(deliveryID: id))
        #expect(try await store.count("deliveries") == 1)
        #expect(try await store.count("events") == 2)
        // The same key at another source is another delivery.
        guard case .accepted = try await store.accept(delivery(key: "k1", source: "other"), keepKeyFor: .seconds(60)) else {
            Issue.record("same key at another source was refused")
            return
        }
        let stored = try await store.events(after: 0, limit: 10)
        #expect(stored.map(\.event.entityId) == ["C0", "C1", "C0"])
        #expect(stored.first?.event.orderingKey == "638465233453014192")
        #expect(stored.first?.event.json == Array(#"{"n":0}"#.utf8))
        #expect(stored.first?.idempotencyKey == "k1" && stored.last?.source == "other")
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func concurrentAcceptsStayExactlyOnce(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let results = await withTaskGroup(of: AcceptResult?.self) { group in
            for index in 0..<400 {
                // Every key is sent twice at once: exactly one of each pair is accepted.
                group.addTask { try? await store.accept(self.delivery(key: "k\(index % 200)", plugins: ["p"]), keepKeyFor: .seconds(60)) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 != nil })
        let accepted = results.compactMap { result -> Int64? in if case .accepted(let id, _) = result { id } else { nil } }
        #expect(accepted.count == 200)
        #expect(Set(accepted).count == 200)
        let duplicates = results.compactMap { result -> Int64? in if case .duplicate(let id) = result { id } else { nil } }
        #expect(Set(duplicates) == Set(accepted))
        #expect(try await store.count("deliveries") == 200)
        #expect(try await store.count("events") == 200)
        #expect(try await store.jobCounts() == [.pending: 200])
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func expiredKeysAreSweptAndNoLongerDeduplicate(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        _ = try await store.accept(delivery(key: "old", at: 1_000), keepKeyFor: .seconds(10))
        _ = try await store.accept(delivery(key: "new", at: 50_000), keepKeyFor: .seconds(10))
        // Past its expiry but not yet swept, the key no longer deduplicates.
        guard case .accepted = try await store.accept(delivery(key: "old", at: 20_000), keepKeyFor: .seconds(10)) else {
            Issue.record("expired key still deduplicated")
            return
        }
        #expect(try await store.expireIdempotencyKeys(nowUnixMilliseconds: 40_000, limit: 100) == 1)
        #expect(try await store.count("idempotency_keys") == 1)
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func survivesReopening(_ backend: StoreBackend) async throws {
        let place = try backend.place()
        let store = try await place.open()
        _ = try await store.accept(delivery(key: "persist", events: 3), keepKeyFor: .seconds(60))
        await store.close()
        let reopened = try await place.open()
        #expect(try await reopened.count("events") == 3)
        guard case .duplicate = try await reopened.accept(delivery(key: "persist"), keepKeyFor: .seconds(60)) else {
            Issue.record("key forgotten after reopening")
            return
        }
        try await reopened.checkWritable()
        await reopened.close()
    }

    @Test(arguments: StoreBackend.available)
    func finishedWorkPastTheRetentionGoesAndDeadOrPendingWorkStays(_ backend: StoreBackend) async throws {
        let (now, day) = (Self.now, Self.day)
        let store = try await backend.open()
        for (key, age) in [("old-done", 8), ("old-dead", 8), ("old-pending", 8), ("old-no-jobs", 9), ("new-done", 1)] {
            _ = try await store.accept(delivery(key: key, at: now - Int64(age) * day, plugins: key == "old-no-jobs" ? [] : ["p"]), keepKeyFor: .seconds(60))
        }
        let claimed = try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: now)
        let byKey = Dictionary(uniqueKeysWithValues: claimed.map { ($0.event.idempotencyKey, $0) })
        let attempt = AttemptRecord(number: 1, startedAtUnixMilliseconds: now, durationMilliseconds: 1, outcome: .retry, message: "down")
        try await store.complete([
            JobCompletion(jobID: byKey["old-done"]!.id, claim: byKey["old-done"]!.claim, disposition: .done(skipped: false), attempt: attempt),
            JobCompletion(jobID: byKey["old-dead"]!.id, disposition: .dead(reason: .exhausted), attempt: attempt),
            JobCompletion(jobID: byKey["old-pending"]!.id, disposition: .retry(atUnixMilliseconds: now + 1_000, delayMilliseconds: 1_000), attempt: attempt),
            JobCompletion(jobID: byKey["new-done"]!.id, disposition: .done(skipped: false), attempt: nil),
        ])
        #expect(try await store.removeFinishedDeliveries(receivedBefore: now - 7 * day, limit: 100) == 2)  // old-done and old-no-jobs
        let left = try await store.deliveries(DeliveryFilter(), before: nil, limit: 10).map(\.idempotencyKey)
        #expect(Set(left) == ["old-dead", "old-pending", "new-done"])
        #expect(try await store.count("events") == 3)
        #expect(try await store.count("jobs") == 3)
        #expect(try await store.count("job_attempts") == 2)  // old-dead's and old-pending's
        #expect(try await store.deadLetters().count == 1)
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func oneSweepStepRemovesAtMostItsLimitOldestFirst(_ backend: StoreBackend) async throws {
        let (now, day) = (Self.now, Self.day)
        let store = try await backend.open()
        for index in 0..<30 {
            _ = try await store.accept(delivery(key: "k\(index)", at: now - 8 * day + Int64(index)), keepKeyFor: .seconds(60))
        }
        #expect(try await store.removeFinishedDeliveries(receivedBefore: now - 7 * day, limit: 12) == 12)
        let left = try await store.deliveries(DeliveryFilter(), before: nil, limit: 100).map(\.idempotencyKey)
        #expect(Set(left) == Set((12..<30).map { "k\($0)" }))
        #expect(try await store.expireIdempotencyKeys(nowUnixMilliseconds: now, limit: 5) == 5)
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func eventsOfOneEntityWithinTheDebounceWindowCoalesceIntoTheLatestDurably(_ backend: StoreBackend) async throws {
        let place = try backend.place()
        let store = try await place.open()
        func deliver(_ key: String, entity: String, at time: Int64) async throws {
            var event = InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: entity, tenant: "T", orderingKey: "", json: Array(#"{"n":"\#(key)"}"#.utf8), plugins: ["p"])
            event.debounceMilliseconds = ["p": 5_000]
            let delivery = Delivery(source: "s", idempotencyKey: key, idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: time, body: [], headers: [], clientAddress: "-", events: [event])
            _ = try await store.accept(delivery, keepKeyFor: .seconds(60))
        }
        try await deliver("a1", entity: "A", at: 1_000)
        try await deliver("a2", entity: "A", at: 2_000)
        try await deliver("b1", entity: "B", at: 2_500)
        try await deliver("a3", entity: "A", at: 3_000)
        await store.close()
        // Nothing is due inside the window, and it is all stored: reopening loses nothing.
        let reopened = try await place.open()
        #expect(try await reopened.jobCounts() == [.pending: 2, .superseded: 2])
        #expect(try await reopened.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 7_000).isEmpty)
        #expect(try await reopened.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 7_600).map(\.event.event.entityId) == ["B"])
        let latest = try await reopened.claimJobs(plugins: ["p", "q"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 8_000)
        #expect(latest.count == 1)
        #expect(latest.first.map { String(decoding: $0.event.event.json, as: UTF8.self) } == #"{"n":"a3"}"#)
        await reopened.close()
    }

    @Test(arguments: StoreBackend.available)
    func oneDeliveryWithSeveralEventsOfOneDebouncedEntityKeepsTheLast(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        let events = (1...3).map { index in
            var event = InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: "A", tenant: "T", orderingKey: "", json: Array(#"{"n":\#(index)}"#.utf8), plugins: ["p"])
            event.debounceMilliseconds = ["p": 1_000]
            return event
        }
        _ = try await store.accept(
            Delivery(source: "s", idempotencyKey: "k", idempotencyKeyOrigin: "test", format: .pushNotification, receivedAtUnixMilliseconds: 1_000, body: [], headers: [], clientAddress: "-", events: events),
            keepKeyFor: .seconds(60)
        )
        #expect(try await store.jobRows().map(\.state) == [.superseded, .superseded, .pending])
        let claimed = try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_000)
        #expect(claimed.map { String(decoding: $0.event.event.json, as: UTF8.self) } == [#"{"n":3}"#])
        await store.close()
    }
}
