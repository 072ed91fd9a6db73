import AcuhookCore
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import Testing

/// The derived-event budget is counted on the received delivery, over its whole tree, in the
/// file: it holds across a reopened store.
@Suite struct DerivedBudgetTests {
    func event(_ type: String, plugins: [String] = ["p"]) -> InboundEvent {
        InboundEvent(eventType: type, entityType: "X", entityId: "1", tenant: "", orderingKey: "", json: Array("{}".utf8), plugins: plugins)
    }

    @Test func theBudgetCoversTheWholeTreeAndSurvivesAReopen() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("budget.db").path
        var store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        let delivery = Delivery(
            source: "s", idempotencyKey: "root", idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: 1_000,
            body: [], headers: [], clientAddress: "-", events: [event("Probe.Received")]
        )
        _ = try await store.accept(delivery, keepKeyFor: .seconds(60))
        let ok = AttemptRecord(number: 1, startedAtUnixMilliseconds: 2_000, durationMilliseconds: 1, outcome: .ok, message: nil)
        // The received event's job emits 3 of a budget of 5: all stored.
        let first = try #require(try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_000).first)
        let none = try await store.complete([JobCompletion(jobID: first.id, disposition: .done(skipped: false), attempt: ok, derived: (0..<3).map { _ in event("Probe.Derived") }, derivedBudget: 5)])
        #expect(none.isEmpty)

        // Reopened (a restart): a derived event's job emits 3 more; 2 fit.
        store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        // Derived events are due from their commit (wall-clock time).
        let children = try await store.claimJobs(plugins: ["p"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: SystemWallClock().nowUnixMilliseconds + 1_000)
        #expect(children.count == 3)
        let refused = try await store.complete([JobCompletion(jobID: children[0].id, disposition: .done(skipped: false), attempt: ok, derived: (0..<3).map { _ in event("Probe.Derived") }, derivedBudget: 5)])
        #expect(refused.count == 1 && refused[0].refused == 1 && refused[0].first && refused[0].rootDelivery == 1)
        // A grandchild's job: nothing left; refused again, but not the first refusal.
        let again = try await store.complete([JobCompletion(jobID: children[1].id, disposition: .done(skipped: false), attempt: ok, derived: [event("Probe.Derived")], derivedBudget: 5)])
        #expect(again.count == 1 && again[0].refused == 1 && !again[0].first)
        #expect(try await store.events(after: 0, limit: 100).filter { $0.event.eventType == "Probe.Derived" }.count == 5)
    }
}
