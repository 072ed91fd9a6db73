import AcuhookCore
import AcuhookDispatch
import AcuhookPluginHost
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import Testing

/// A crash in a worker running several calls is charged to the event that causes it alone.
@Suite struct CrashAttributionTests {
    @Test func onePoisonEventAmongHealthyOnesSharingAWorkerIsTheOnlyOneCharged() async throws {
        var shared = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        shared.events = [.prefix("Fixture.")]
        shared.isolation = .process
        shared.workers = 1
        shared.maxConcurrency = 4
        shared.breaker.disabled = true
        let logs = RecordingLogHandler.Store()
        let world = try DispatcherTests.makeWorld(extraPlugins: [shared], retryAttempts: 3, logger: RecordingLogHandler.logger(logs))
        // The poison arrives among slow healthy events, so it always has company in the worker.
        let events = (1...12).map { n in
            InboundEvent(eventType: "Fixture.Test", entityType: "Fixture", entityId: n == 6 ? "segv" : "sleep:150", tenant: "", orderingKey: "", json: Array("{}".utf8))
        }
        try await DispatcherTests.deliver(world, events)
        let store = world.store
        try await DispatcherTests.dispatch(world) {
            let counts = try await store.jobCounts()
            return counts[.done, default: 0] == 11 && counts[.dead, default: 0] == 1
        }
        let dead = try await store.deadLetters()
        #expect(dead.count == 1 && dead.first?.event.event.entityId == "segv")
        #expect(dead.first?.attempts.count == 3)
        #expect(dead.first?.attempts.allSatisfy { $0.outcome == .crashed && ($0.message ?? "").contains("SIGSEGV") } == true)
        // The crash with company was attributed by running the calls in flight again, alone.
        #expect(logs.all.contains { $0.message == "plugin worker ended during a call it did not run alone; running each of its events again alone" })
        // No healthy job was charged anything: done at the first attempt, no attempt recorded.
        let rows = try await store.jobRows().filter { $0.plugin == "fixture-scripted" && $0.state == .done }
        #expect(rows.count == 11)
        for row in rows {
            let record = try #require(try await store.delivery(1)?.events.flatMap(\.jobs).first { $0.id == row.id })
            #expect(record.attempts == 1 && record.history.isEmpty, "job \(row.id): \(record.history)")
        }
        try await world.host.shutdown()
    }
}
