import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import Testing

@Suite struct ThreadPoolRunnerTests {
    @Test func concurrencyLimitBoundsCallsInFlight() async throws {
        let runner = try makeRunner("FixtureScripted", clock: ContinuousClock(), maxConcurrency: 2, threads: 6)
        let results = await withTaskGroup(of: PluginCallResult.self) { group in
            for _ in 0..<6 { group.addTask { await runner.run(seedEvent(type: "Fixture.Test", entityId: "sleep:150"), attempt: 1) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.outcome == .ok })
        let peaks = results.compactMap { $0.outputText?.split(separator: "=").last.flatMap { Int($0) } }
        #expect(peaks.max() == 2)  // two at once: never more, and the limit was used
        #expect(runner.statistics.calls == 6 && runner.statistics.inFlight == 0)
    }

    @Test func pluginsWithoutTheThreadSafeFlagAreSerialised() async throws {
        let runner = try makeRunner("FixtureSerial", clock: ContinuousClock(), maxConcurrency: 8, threads: 8)
        #expect(runner.concurrency == 1)
        let results = await withTaskGroup(of: PluginCallResult.self) { group in
            for _ in 0..<5 { group.addTask { await runner.run(seedEvent(type: "Fixture.Test", entityId: "sleep:40"), attempt: 1) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.outcome == .ok && $0.outputText == "peak=1" })
    }

    /// Advances `clock` in small steps until `done` holds (the runner's timers sleep on it).
    private func advance(_ clock: ManualClock, until done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !done(), ContinuousClock.now < deadline {
            clock.advance(by: .milliseconds(50))
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func timedOutCallIsAFailureAndItsThreadIsAccountedAsLostUntilItReturns() async throws {
        let store = RecordingLogHandler.Store()
        let clock = ManualClock()
        let runner = try makeRunner("FixtureScripted", clock: clock, timeout: .milliseconds(100), logger: RecordingLogHandler.logger(store))
        let call = Task { await runner.run(seedEvent(type: "Fixture.Test", entityId: "sleep:3000"), attempt: 1) }
        try await advance(clock) { runner.statistics.timeouts == 1 }
        let result = await call.value
        #expect(result.outcome == .failed(.timeout))
        #expect(result.isBreakerFailure)
        #expect(runner.statistics.lost == 1 && runner.statistics.inFlight == 1 && runner.statistics.timeouts == 1)
        #expect(store.all.contains { $0.message.contains("its thread is lost until the call returns") && $0.metadata["acuhook.plugin"] == "fixture-scripted" })

        // The lost call still holds a slot and a thread; once it returns both are free again.
        let deadline = ContinuousClock.now + .seconds(20)
        while runner.statistics.lost > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(runner.statistics.lost == 0 && runner.statistics.inFlight == 0)
        #expect(store.all.contains { $0.message.contains("returned after its timeout") })
        #expect(await runner.run(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1).outcome == .ok)
    }

    /// Several events in one hop to a plugin without a batch entry: one `handle` after another,
    /// each with its own timeout.
    @Test func severalEventsInOneHopEachHaveTheirOwnTimeout() async throws {
        @Sendable func calls(_ ids: [String]) -> [PluginCall] { ids.map { PluginCall(seedEvent(type: "Fixture.Test", entityId: $0), attempt: 1) } }
        // Together longer than the timeout, each well within it: all handled.
        let patient = try makeRunner("FixtureSerial", clock: ContinuousClock(), timeout: .seconds(1))
        #expect(await patient.run(calls(["sleep:400", "sleep:400", "sleep:400"])).map(\.outcome) == [.ok, .ok, .ok])

        // One past its timeout: it fails as a timeout, the ones before it keep their results and
        // the ones after it are not called (their jobs wait, no attempt spent).
        let clock = ManualClock()
        let runner = try makeRunner("FixtureSerial", clock: clock, timeout: .milliseconds(100))
        let hop = calls(["ok", "sleep:3000", "ok"])
        let call = Task { await runner.run(hop) }
        try await advance(clock) { runner.statistics.timeouts == 1 }
        let results = await call.value
        #expect(results.map(\.outcome) == [.ok, .failed(.timeout), .failed(.unavailable)])
        #expect(results[2].message == "not called: an earlier event of the same call passed its timeout")
        #expect(runner.statistics.lost == 1)
        let deadline = ContinuousClock.now + .seconds(20)
        while runner.statistics.lost > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(runner.statistics.lost == 0 && runner.statistics.inFlight == 0)
        #expect(await runner.run(calls(["ok", "ok"])).map(\.outcome) == [.ok, .ok])
    }

    @Test func callsWaitingForAHungPluginsSlotEndUnattemptedInsteadOfHangingForever() async throws {
        let clock = ManualClock()
        let runner = try makeRunner("FixtureSerial", clock: clock, timeout: .milliseconds(100))
        // Long enough that a loaded machine cannot let the call finish before the timeout fires.
        let hung = Task { await runner.run(seedEvent(type: "Fixture.Test", entityId: "sleep:10000"), attempt: 1) }
        let deadline = ContinuousClock.now + .seconds(20)
        while runner.statistics.inFlight == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        let waiting = Task { await runner.run(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1) }
        try await advance(clock) { runner.statistics.timeouts == 1 && runner.statistics.notAttempted == 1 }
        let waited = await waiting.value
        // Admission refused: not the event's fault, so not an attempt (its job is held).
        guard case .notAttempted(let reason) = waited.outcome else {
            Issue.record("expected notAttempted, got \(waited.outcome)")
            return
        }
        #expect(reason.contains("no free call slot"))
        #expect(!waited.isBreakerFailure)
        #expect(await hung.value.outcome == .failed(.timeout))
    }

    @Test func breakerOpensOnRetriesAndHoldsCallsWithoutAttemptingThem() async throws {
        let clock = ManualClock()
        let store = RecordingLogHandler.Store()
        let runner = try makeRunner("FixtureScripted", clock: clock, logger: RecordingLogHandler.logger(store))
        for _ in 0..<5 { #expect(await runner.run(seedEvent(type: "Fixture.Test", entityId: "retry"), attempt: 1).outcome == .retry) }
        #expect(runner.breakerState == .open)
        let held = await runner.run(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1)
        guard case .notAttempted(let reason) = held.outcome else {
            Issue.record("expected notAttempted, got \(held.outcome)")
            return
        }
        #expect(reason.contains("open"))
        #expect(!held.isBreakerFailure)
        #expect(runner.statistics.calls == 5 && runner.statistics.notAttempted == 1)

        let transition = try #require(store.all.first { $0.message == "circuit breaker changed state" })
        #expect(transition.metadata["acuhook.plugin"] == "fixture-scripted")
        #expect(transition.metadata["acuhook.breaker.to"] == "open")
        #expect(transition.metadata["acuhook.breaker.reason"]?.contains("5 consecutive failures") == true)

        clock.advance(by: .seconds(30))
        #expect(await runner.run(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1).outcome == .ok)
        #expect(runner.breakerState == .closed)
    }

    @Test func rejectAndSkipDoNotTripTheBreakerButGarbageDoes() async throws {
        let clock = ManualClock()
        let runner = try makeRunner("FixtureScripted", clock: clock)
        for _ in 0..<10 {
            _ = await runner.run(seedEvent(type: "Fixture.Test", entityId: "reject"), attempt: 1)
            _ = await runner.run(seedEvent(type: "Fixture.Test", entityId: "skip"), attempt: 1)
        }
        #expect(runner.breakerState == .closed)
        for _ in 0..<5 { _ = await runner.run(seedEvent(type: "Fixture.Test", entityId: "garbage"), attempt: 1) }
        #expect(runner.breakerState == .open)
    }

    @Test func operatorControlsTheBreaker() async throws {
        let runner = try makeRunner("FixtureScripted", clock: ManualClock())
        runner.breaker.forceOpen(reason: "maintenance")
        guard case .notAttempted = await runner.run(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1).outcome else {
            Issue.record("forced-open breaker let a call through")
            return
        }
        runner.breaker.reset(reason: "done")
        #expect(await runner.run(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1).outcome == .ok)
    }
}
