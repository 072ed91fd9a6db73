import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import Testing

/// Batch calls (ABI 1.1 `handle_batch`): plugins of every minor in one host, results mapped to
/// their events, and a crash in a batch charged only to the event that causes it.
@Suite struct BatchCallTests {
    let logger = Logger(label: "test")

    func calls(_ ids: [String], attempt: Int = 1) -> [PluginCall] {
        ids.enumerated().map { index, id in
            var event = seedEvent(type: "Fixture.Test", entityId: id)
            event = PluginEvent(
                eventType: event.eventType, entityType: event.entityType, entityId: id, deliveryId: "d-\(index)", tenant: event.tenant,
                receivedAtUnixMilliseconds: event.receivedAtUnixMilliseconds, json: Array(event.json)
            )
            return PluginCall(event, attempt: attempt + index)
        }
    }

    @Test func a10PluginA11PluginWithoutBatchAndABatchPluginLoadInOneHost() async throws {
        var settings = PluginHostSettings()
        settings.plugins = ["FixtureABI10", "FixtureScripted", "FixtureBatch"].map { product in
            var plugin = PluginSettings(path: FixturePlugins.path(product))
            plugin.batch = BatchSettings()
            return plugin
        }
        let host = PluginHost(settings: settings, clock: ContinuousClock(), logger: logger)
        #expect(host.failures.isEmpty, "\(host.failures)")
        let old = try #require(host.runners["fixture-abi-1.0"])
        let plain = try #require(host.runners["fixture-scripted"])
        let batch = try #require(host.runners["fixture-batch"])
        #expect(old.image.abiMinor == 0 && !old.image.handlesBatches)
        #expect(plain.image.abiMinor == PluginABI.minor && !plain.image.handlesBatches)
        #expect(batch.image.abiMinor == 1 && batch.image.negotiatedMinor == 1 && batch.image.handlesBatches)

        // Without handle_batch, a batch is one `handle` call after another.
        let echoed = await old.run(calls(["E-1", "E-2"]))
        #expect(echoed.map(\.outcome) == [.ok, .ok])
        #expect(echoed.map { $0.message } == ["abi 1.0 round trip", "abi 1.0 round trip"])
        #expect(echoed.map { $0.derived.map(\.entityId) } == [["E-1"], ["E-2"]])
        let plainResults = await plain.run(calls(["ok", "reject", "ok"]))
        #expect(plainResults.map(\.outcome) == [.ok, .rejected, .ok])
        #expect(plainResults[0].outputText?.hasPrefix("peak=") == true)

        // With it, one call carries them all.
        let batched = await batch.run(calls(["ok", "ok", "ok"]))
        #expect(batched.map(\.outputText) == ["batch=1:0/3", "batch=1:1/3", "batch=1:2/3"])
        try await host.shutdown()
    }

    @Test func mixedResultsMapToTheirOwnEvents() throws {
        let instance = try makeInstance("FixtureBatch")
        let results = instance.invoke(calls(["ok", "retry", "reject", "skip", "emit", "garbage", "unset", "ok"]), asBatch: true)
        #expect(results.count == 8)
        #expect(results[0].outcome == .ok && results[0].outputText == "batch=1:0/8")
        #expect(results[1].outcome == .retry && results[1].message == "downstream unavailable (fixture)")
        #expect(results[2].outcome == .rejected && results[2].message == "bad data (fixture)")
        #expect(results[3].outcome == .skipped)
        // Each event emits through its own call handle: the derived event is the fourth's alone.
        #expect(results[4].outcome == .ok && results[4].derived.map(\.eventType) == ["Fixture.Derived"])
        #expect(results.enumerated().allSatisfy { $0.offset == 4 || $0.element.derived.isEmpty })
        #expect(results[5].outcome == .failed(.invalidStatus(77)))
        // A result left unset is a failure, not a success.
        #expect(results[6].outcome == .failed(.invalidStatus(-1)))
        #expect(results[7].outcome == .ok && results[7].outputText == "batch=1:7/8")
        // Without asBatch the same plugin is called one event at a time.
        let single = instance.invoke(calls(["ok", "ok"]), asBatch: false)
        #expect(single.allSatisfy { $0.outputText?.hasPrefix("peak=") == true })
    }

    @Test func aStatusForTheWholeBatchIsEveryEventsAndDropsTheirDerivedEvents() throws {
        let instance = try makeInstance("FixtureBatch")
        let results = instance.invoke(calls(["emit", "batch-retry", "ok"]), asBatch: true)
        #expect(results.map(\.outcome) == [.retry, .retry, .retry])
        #expect(results.allSatisfy { $0.message == "the whole batch: downstream unavailable (fixture)" && $0.derived.isEmpty })
    }

    @Test func eachEventOfABatchIsJudgedByTheBreakerOnItsOwn() async throws {
        var breaker = CircuitBreakerSettings()
        breaker.consecutiveFailureThreshold = 3
        breaker.minimumCalls = breaker.windowSize
        let runner = try makeRunner("FixtureBatch", clock: ContinuousClock(), batches: true, breaker: breaker)
        // Two failures in one call do not open it; a third, in the next call, does.
        let first = await runner.run(calls(["retry", "retry"]))
        #expect(first.map(\.outcome) == [.retry, .retry] && runner.breakerState == .closed)
        #expect(runner.statistics.calls == 2 && runner.statistics.failures == 2)
        _ = await runner.run(calls(["retry"]))
        #expect(runner.breakerState == .open)
        let refused = await runner.run(calls(["ok", "ok"]))
        #expect(refused.allSatisfy { if case .notAttempted = $0.outcome { true } else { false } })
    }

    @Test func aCrashInAnIsolatedBatchIsChargedOnlyToTheEventThatCausesIt() async throws {
        let logs = RecordingLogHandler.Store()
        let logger = RecordingLogHandler.logger(logs)
        let image = try PluginLoader.load(path: FixturePlugins.path("FixtureBatch"), logger: logger)
        var settings = PluginSettings(path: image.path)
        settings.isolation = .process
        settings.batch = BatchSettings()
        settings.breaker.disabled = true
        let runner = GuardedPluginRunner(
            image: image, settings: settings, limits: PluginInstance.Limits(), executable: FixturePlugins.acuhookExecutable,
            clock: ContinuousClock(), logger: logger
        )
        // Wait for the worker (calls meanwhile answer `unavailable`).
        let deadline = ContinuousClock.now + .seconds(20)
        while await runner.run(calls(["ok"]))[0].outcome != .ok, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let results = await runner.run(calls(["ok", "segv", "reject", "ok"]))
        #expect(results.count == 4)
        #expect(results[0].outcome == .ok && results[3].outcome == .ok)
        #expect(results[1].outcome == .failed(.crashed) && (results[1].message ?? "").contains("run alone"))
        #expect(results[2].outcome == .rejected)
        #expect(logs.all.contains { $0.message == "plugin worker ended during a call it did not run alone; running each of its events again alone" })
        await runner.shutdown()
    }
}
