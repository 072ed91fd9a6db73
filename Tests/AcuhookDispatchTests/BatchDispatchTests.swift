import AcuhookCore
import AcuhookDispatch
import AcuhookPluginHost
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import MetricsTestKit
import Testing

/// The dispatcher handing a batching plugin several jobs per call (`plugins[].batch`), with the
/// real SQLite store and the batch fixture built against the frozen ABI 1.1 header.
@Suite struct BatchDispatchTests {
    static func batchPlugin(log: String, ordered: Bool, maxEvents: Int = 10) -> PluginSettings {
        var plugin = PluginSettings(path: FixturePlugins.path("FixtureBatch"))
        plugin.events = [.prefix("Fixture.")]
        plugin.configJSON = Array(#"{"log":"\#(log)"}"#.utf8)
        plugin.ordered = ordered
        plugin.breaker.disabled = true
        var batch = BatchSettings()
        batch.maxEvents = maxEvents
        batch.maxWait = .milliseconds(20)
        plugin.batch = batch
        return plugin
    }

    static func event(_ entity: String) -> InboundEvent {
        InboundEvent(eventType: "Fixture.Test", entityType: "Fixture", entityId: entity, tenant: "T", orderingKey: "", json: Array("{}".utf8))
    }

    /// Each batch call the fixture logged: its events as (entity, delivery).
    static func calls(in log: String) throws -> [[(entity: String, delivery: String)]] {
        try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { line in
            line.split(separator: " ").dropFirst().map { item in
                let parts = item.split(separator: "/", maxSplits: 1)
                return (String(parts[0]), String(parts[1]))
            }
        }
    }

    @Test func eachEventOfABatchKeepsItsOwnAttemptsRetriesAndDeadLetter() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let log = dir.appendingPathComponent("batches.log").path
        let world = try DispatcherTests.makeWorld(extraPlugins: [Self.batchPlugin(log: log, ordered: false)], retryAttempts: 3)
        // 20 deliveries, stored before the dispatcher starts: 16 OK, 2 RETRY, 1 REJECT, 1 SKIP.
        let scripts = (1...20).map { n in n == 5 || n == 12 ? "retry" : n == 8 ? "reject" : n == 15 ? "skip" : "ok" }
        for (n, script) in scripts.enumerated() {
            try await DispatcherTests.deliver(world, [Self.event(script)], key: String(format: "k-%02d", n + 1))
        }
        let store = world.store
        try await DispatcherTests.dispatch(world) {
            let counts = try await store.jobCounts()
            return counts[.done, default: 0] == 16 && counts[.skipped, default: 0] == 1 && counts[.dead, default: 0] == 3
        }
        let calls = try Self.calls(in: log)
        // Batched: fewer calls than events, several events in the first.
        #expect(calls.count < 20 && calls[0].count > 1, "\(calls.map(\.count))")
        // Within a call, one entity's events come in receipt order.
        for call in calls {
            for entity in Set(call.map(\.entity)) {
                let keys = call.filter { $0.entity == entity }.map(\.delivery)
                #expect(keys == keys.sorted(), "\(call)")
            }
        }
        // Only the failing events were tried again: each RETRY three times, every other event once.
        let attempts = Dictionary(grouping: calls.flatMap { $0 }, by: \.delivery).mapValues(\.count)
        #expect(attempts["k-05"] == 3 && attempts["k-12"] == 3)
        #expect(attempts.filter { $0.key != "k-05" && $0.key != "k-12" }.allSatisfy { $0.value == 1 }, "\(attempts)")
        let dead = try await store.deadLetters().filter { $0.event.event.entityType == "Fixture" }
        #expect(Set(dead.map(\.event.idempotencyKey)) == ["k-05", "k-08", "k-12"])
        #expect(dead.first { $0.event.idempotencyKey == "k-08" }?.attempts.map(\.outcome) == [.rejected])
        #expect(dead.first { $0.event.idempotencyKey == "k-05" }?.attempts.map(\.outcome) == [.retry, .retry, .retry])
        try await world.host.shutdown()
    }

    @Test func orderedLanesHoldUnderBatching() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let log = dir.appendingPathComponent("batches.log").path
        let world = try DispatcherTests.makeWorld(extraPlugins: [Self.batchPlugin(log: log, ordered: true)])
        // Two entities, interleaved, five events each (`ok` and `skip` both answer at once).
        for n in 1...5 {
            try await DispatcherTests.deliver(world, [Self.event("ok")], key: "ok-\(n)")
            try await DispatcherTests.deliver(world, [Self.event("skip")], key: "skip-\(n)")
        }
        let store = world.store
        try await DispatcherTests.dispatch(world) {
            try await store.jobRows().filter { $0.plugin == "fixture-batch" }.allSatisfy { $0.state == .done || $0.state == .skipped }
        }
        let calls = try Self.calls(in: log)
        // Never two events of one lane in one call (nor in flight together: the calls are serial
        // per lane, so each lane's events appear in receipt order across calls).
        for call in calls {
            #expect(Set(call.map(\.entity)).count == call.count, "\(call)")
        }
        for entity in ["ok", "skip"] {
            let keys = calls.flatMap { $0 }.filter { $0.entity == entity }.map(\.delivery)
            #expect(keys == (1...5).map { "\(entity)-\($0)" })
        }
        try await world.host.shutdown()
    }

    @Test func replayedJobsAreCountedAsReplaysWhenTheyFinish() async throws {
        let metrics = TestMetrics()
        var plugin = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        plugin.events = [.prefix("Fixture.")]
        let world = try DispatcherTests.makeWorld(extraPlugins: [plugin], metrics: metrics)
        for n in 1...3 { try await DispatcherTests.deliver(world, [Self.event("ok")], key: "k-\(n)") }
        let store = world.store
        try await DispatcherTests.dispatch(world) { try await store.jobCounts()[.done, default: 0] == 3 }
        // A backfill of the same three events: three new jobs, run and counted apart.
        let selection = ReplaySelection(plugin: "fixture-scripted", eventTypes: ["Fixture.Test"], sinceUnixMilliseconds: 0, ordering: .never)
        let result = try await store.replay(selection, nowUnixMilliseconds: Int64(Date().timeIntervalSince1970 * 1000), batchSize: 10) { _, _ in true }
        #expect(result.created == 3)
        try await DispatcherTests.dispatch(world) { try await store.jobCounts()[.done, default: 0] == 6 }
        func finished(replay: String) -> Int64 {
            metrics.counterTotal(label: "acuhook_jobs_finished_total", dimensions: [("plugin", "fixture-scripted"), ("state", "done"), ("replay", replay)])
        }
        #expect(finished(replay: "false") == 3 && finished(replay: "true") == 3)
        try await world.host.shutdown()
    }
}
