import AcuhookCore
import AcuhookStore
import AcuhookTesting
import Foundation
import Testing

/// What operators read and change, on every store: runtime overrides and the delivery log.
@Suite struct OperatorContractTests {
    @Test(arguments: StoreBackend.available)
    func overridesAreStoredReplacedAndVersioned(_ backend: StoreBackend) async throws {
        let place = try backend.place()
        let store = try await place.open()
        #expect(try await store.overrides().overrides.isEmpty)
        let start = try await store.overridesVersion()
        try await store.setOverride(.route(plugin: "p", pattern: "Customer.*", enabled: false), nowUnixMilliseconds: 1_000)
        try await store.setOverride(.route(plugin: "p", pattern: "Customer.*", enabled: true), nowUnixMilliseconds: 1_001)
        try await store.setOverride(.breaker(plugin: "q", state: .open), nowUnixMilliseconds: 1_002)
        #expect(try await store.overridesVersion() == start + 3)
        // Another process (a CLI, another instance) sees the same.
        let other = try await place.open()
        let (version, overrides) = try await other.overrides()
        #expect(version == start + 3)
        #expect(overrides == [.breaker(plugin: "q", state: .open), .route(plugin: "p", pattern: "Customer.*", enabled: true)])
        #expect(try await other.resetBreaker(plugin: "q", nowUnixMilliseconds: 2_000))
        #expect(try await store.overrides().overrides == [.breakerReset(plugin: "q", atUnixMilliseconds: 2_000), .route(plugin: "p", pattern: "Customer.*", enabled: true)])
        #expect(try await store.resetBreaker(plugin: "q", nowUnixMilliseconds: 3_000) == false)
        #expect(try await store.removeRouteOverrides(plugin: "p", pattern: nil) == 1)
        #expect(try await store.overridesVersion() == start + 6)
        await other.close()
        await store.close()
    }

    @Test(arguments: StoreBackend.available)
    func theDeliveryLogListsFiltersShowsAndRequeues(_ backend: StoreBackend) async throws {
        let store = try await backend.open()
        func delivery(_ key: String, source: String, type: String, at time: Int64) -> Delivery {
            let body = Array(#"{"eventType":"\#(type)"}"#.utf8)
            return Delivery(
                source: source, idempotencyKey: key, idempotencyKeyOrigin: "X-Acumatica-Delivery", format: .guide, receivedAtUnixMilliseconds: time,
                body: body, headers: [.init(name: "x-acumatica-delivery", value: key), .init(name: "user-agent", value: "test")], clientAddress: "10.0.0.7",
                events: [InboundEvent(eventType: type, entityType: "X", entityId: key, tenant: "", orderingKey: "", json: body, plugins: ["p"])]
            )
        }
        var ids: [String: Int64] = [:]
        for (index, (key, source, type)) in [("a", "erp", "Customer.Updated"), ("b", "erp", "SalesOrder.Inserted"), ("c", "other", "Customer.Updated")].enumerated() {
            guard case .accepted(let id, _) = try await store.accept(delivery(key, source: source, type: type, at: 1_000 + Int64(index) * 1_000), keepKeyFor: .seconds(60)) else {
                Issue.record("\(key) not accepted")
                return
            }
            ids[key] = id
        }
        #expect(try await store.deliveries(DeliveryFilter(), before: nil, limit: 10).map(\.idempotencyKey) == ["c", "b", "a"])
        #expect(try await store.deliveries(DeliveryFilter(), before: ids["c"], limit: 1).map(\.idempotencyKey) == ["b"])
        #expect(try await store.deliveries(DeliveryFilter(source: "erp"), before: nil, limit: 10).map(\.idempotencyKey) == ["b", "a"])
        #expect(try await store.deliveries(DeliveryFilter(eventType: "Customer.Updated"), before: nil, limit: 10).map(\.idempotencyKey) == ["c", "a"])
        #expect(try await store.deliveries(DeliveryFilter(sinceUnixMilliseconds: 2_000, untilUnixMilliseconds: 3_000), before: nil, limit: 10).map(\.idempotencyKey) == ["b"])

        let record = try #require(try await store.delivery(ids["b"]!))
        #expect(record.summary.eventTypes == ["SalesOrder.Inserted"] && record.summary.clientAddress == "10.0.0.7")
        #expect(record.headers.map(\.name) == ["x-acumatica-delivery", "user-agent"] && record.headers.last?.value == "test")
        #expect(record.body == Array(#"{"eventType":"SalesOrder.Inserted"}"#.utf8))
        #expect(record.events.first?.jobs.map(\.state) == [.pending])
        #expect(try await store.delivery(999_999) == nil)

        // Done jobs can be sent again; running ones cannot.
        let claimed = try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 5_000)
        let b = try #require(claimed.first { $0.event.idempotencyKey == "b" })
        try await store.complete([JobCompletion(jobID: b.id, claim: b.claim, disposition: .done(skipped: false), attempt: AttemptRecord(number: 1, startedAtUnixMilliseconds: 5_000, durationMilliseconds: 3, outcome: .retry, message: "x"))])
        #expect(try await store.requeue(deliveryID: ids["b"]!, nowUnixMilliseconds: 6_000) == 1)
        #expect(try await store.requeue(deliveryID: ids["a"]!, nowUnixMilliseconds: 6_000) == 0)
        let again = try #require(try await store.delivery(ids["b"]!))
        #expect(again.events.first?.jobs.first?.state == .pending && again.events.first?.jobs.first?.history.map(\.message) == ["x"])
        await store.close()
    }
}
