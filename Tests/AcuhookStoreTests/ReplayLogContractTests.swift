import AcuhookCore
import AcuhookStore
import AcuhookTesting
import Foundation
import Testing

/// Backfills (`ReplayLog`) on every store: the window and types select the events, a dry run
/// changes nothing, an interrupted replay resumes without a second job for any event, and the
/// new jobs are marked, start at attempt 1 and keep the plugin's ordering.
@Suite struct ReplayLogContractTests {
    func delivery(_ key: String, source: String = "erp", type: String, entities: Range<Int>, at time: Int64, format: Delivery.Format = .guide) -> Delivery {
        let events = entities.map { n in
            InboundEvent(
                eventType: type, entityType: String(EventTypeName.entity(of: type)), entityId: "E\(n % 50)", tenant: "T", orderingKey: "\(n)",
                json: Array("{}".utf8), plugins: ["old"]
            )
        }
        return Delivery(source: source, idempotencyKey: key, idempotencyKeyOrigin: "test", format: format, receivedAtUnixMilliseconds: time, body: Array("{}".utf8), headers: [], clientAddress: "-", events: events)
    }

    @Test(arguments: StoreBackend.available)
    func aThousandEventsAreReplayedOnceEvenWhenInterrupted(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        // In the window: 10 deliveries × 100 Customer.Updated (1,000 events); outside it, or of
        // another type or source: 150 more.
        for n in 0..<10 { _ = try await store.accept(delivery("in-\(n)", type: "Customer.Updated", entities: n * 100..<(n + 1) * 100, at: 10_000 + Int64(n)), keepKeyFor: .seconds(60)) }
        _ = try await store.accept(delivery("early", type: "Customer.Updated", entities: 0..<50, at: 5_000), keepKeyFor: .seconds(60))
        _ = try await store.accept(delivery("order", type: "SalesOrder.Created", entities: 0..<50, at: 10_500), keepKeyFor: .seconds(60))
        _ = try await store.accept(delivery("other", source: "b2b", type: "Customer.Updated", entities: 0..<50, at: 10_600), keepKeyFor: .seconds(60))

        #expect(try await store.storedEventTypes(source: "erp", sinceUnixMilliseconds: 9_000, untilUnixMilliseconds: nil) == ["Customer.Updated": 1_000, "SalesOrder.Created": 50])
        let selection = ReplaySelection(plugin: "fixed", eventTypes: ["Customer.Updated"], source: "erp", sinceUnixMilliseconds: 9_000, untilUnixMilliseconds: 20_000, ordering: .never)

        let before = try await store.count("jobs")
        let preview = try await store.previewReplay(selection, limit: 3)
        #expect(preview.count == 1_000 && preview.first.count == 3)
        #expect(preview.first.map(\.entityId) == ["E0", "E1", "E2"] && preview.first.allSatisfy { $0.eventType == "Customer.Updated" })
        #expect(try await store.count("jobs") == before, "a dry run changes nothing")

        // Interrupted after three batches of 128…
        var batches = 0
        let first = try await store.replay(selection, nowUnixMilliseconds: 30_000, batchSize: 128) { done, total in
            #expect(total == 1_000)
            batches += 1
            return batches <= 3
        }
        #expect(first.created == 384 && first.total == 1_000 && first.resumedAfter == 0)
        #expect(try await store.count("jobs") == before + 384)
        // …and run again: it resumes, and no event gets a second job.
        var reported: [Int] = []
        let second = try await store.replay(selection, nowUnixMilliseconds: 31_000, batchSize: 128) { done, _ in
            reported.append(done)
            return true
        }
        #expect(second.id == first.id && second.resumedAfter == 384 && second.created == 616)
        #expect(reported.first == 384 && reported.last == 1_000)
        #expect(try await store.count("jobs") == before + 1_000)
        // Finished: the same selection again is a new replay (of the same events).
        let third = try await store.previewReplay(selection, limit: 0)
        #expect(third.count == 1_000)

        // The new jobs are the plugin's, marked, due now, and start at attempt 1.
        let claimed = try await store.claimJobs(plugins: ["fixed"], limit: 2_000, lease: .seconds(60), nowUnixMilliseconds: 31_000)
        #expect(claimed.count == 1_000)
        #expect(claimed.allSatisfy { $0.replay == first.id && $0.attempt == 1 && $0.event.event.eventType == "Customer.Updated" && $0.event.source == "erp" })
        #expect(Set(claimed.map(\.event.id)).count == 1_000)
        let record = try #require(try await store.delivery(claimed[0].event.deliveryID))
        #expect(record.events.flatMap(\.jobs).contains { $0.plugin == "fixed" && $0.replay == first.id })
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func replayedJobsOfAnOrderedPluginKeepItsLanes(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        // Push-notification events of one entity: ordered by default.
        _ = try await store.accept(delivery("push", type: "StockItem.Inserted", entities: 0..<3, at: 1_000, format: .pushNotification), keepKeyFor: .seconds(60))
        _ = try await store.accept(delivery("push-2", type: "StockItem.Inserted", entities: 50..<51, at: 1_001, format: .pushNotification), keepKeyFor: .seconds(60))
        let selection = ReplaySelection(plugin: "p", eventTypes: ["StockItem.Inserted"], sinceUnixMilliseconds: 0, ordering: .pushNotifications)
        _ = try await store.replay(selection, nowUnixMilliseconds: 2_000, batchSize: 10) { _, _ in true }
        // E0 (twice: entities 0 and 50), E1, E2: one job per lane at a time.
        let claimed = try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_000)
        #expect(claimed.map(\.event.event.entityId).sorted() == ["E0", "E1", "E2"])
        await store.close()
    }
}
