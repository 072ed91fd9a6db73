import AcuhookCore
import AcuhookDispatch
import AcuhookPluginHost
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import MetricsTestKit
import Testing

/// One delivery cannot fan out without bound: a plugin that emits the most it may on every call,
/// and receives its own events, stops at the delivery's budget.
@Suite struct DerivedEventBudgetTests {
    @Test func aFloodingPluginStopsAtTheDeliverysBudgetAndTheOthersCarryOn() async throws {
        var flood = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        flood.events = [.prefix("Fixture.")]
        flood.receiveOwnEvents = true
        let logs = RecordingLogHandler.Store()
        let metrics = TestMetrics()
        let world = try DispatcherTests.makeWorld(extraPlugins: [flood], logger: RecordingLogHandler.logger(logs), metrics: metrics)
        try await DispatcherTests.deliver(world, [DispatcherTests.guideEvent("Fixture.Test", id: "flood", data: "{}")], key: "flood-1")
        try await DispatcherTests.deliver(world, [
            DispatcherTests.guideEvent("Customer.Updated", id: "CUST001", data: #"{"CustomerID":{"value":"CUST001"},"CustomerName":{"value":"Acme"}}"#),
        ])
        let store = world.store
        try await DispatcherTests.dispatch(world) {
            let counts = try await store.jobCounts()
            return counts[.pending, default: 0] == 0 && counts[.running, default: 0] == 0 && counts[.done, default: 0] >= 66
        }
        // 1 received + 64 derived (the default budget) for the flood, 1 for the customer.
        let rows = try await store.jobRows()
        #expect(rows.filter { $0.eventType == "Fixture.Flood" }.count == 64)
        #expect(rows.filter { $0.plugin == "fixture-scripted" }.count == 65)
        #expect(rows.first { $0.plugin == "customer-sync" }?.state == .done)
        #expect(try String(contentsOf: world.dir.appendingPathComponent("customers.jsonl"), encoding: .utf8).contains("CUST001"))
        // Logged once for the delivery however many calls were refused; every refusal counted.
        #expect(logs.all.filter { $0.message == "derived events refused: the delivery's budget is spent" }.count == 1)
        let refused = metrics.counterTotal(label: "acuhook_derived_events_refused_total", dimensions: [("plugin", "fixture-scripted")])
        #expect(refused >= 16)
    }

    @Test func aPluginDoesNotReceiveItsOwnEventsUnlessItAsks() async throws {
        var echo = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        echo.events = [.prefix("Fixture.")]
        let world = try DispatcherTests.makeWorld(extraPlugins: [echo])
        try await DispatcherTests.deliver(world, [DispatcherTests.guideEvent("Fixture.Test", id: "flood", data: "{}")])
        let store = world.store
        try await DispatcherTests.dispatch(world) {
            let counts = try await store.jobCounts()
            return counts[.pending, default: 0] == 0 && counts[.running, default: 0] == 0 && counts[.done, default: 0] >= 1
        }
        // Its 16 derived events were stored but routed to nobody: no job, no loop.
        #expect(try await store.jobRows().map(\.eventType) == ["Fixture.Test"])
        #expect(try await store.events(after: 0, limit: 100).filter { $0.event.eventType == "Fixture.Flood" }.count == 16)
    }
}
