import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import MetricsTestKit
import Testing

/// A plugin's metrics, read from an in-memory metrics factory (no global bootstrap), for a
/// real runner over a real `.so` and for a real host across a reload.
@Suite struct PluginMetricsTests {
    func calls(_ metrics: TestMetrics, _ plugin: String, _ outcome: String) -> Int64 {
        metrics.counterTotal(label: "acuhook_plugin_calls_total", dimensions: [("plugin", plugin), ("outcome", outcome)])
    }

    @Test func callsBreakerStateAndTransitionsAreCountedPerPluginAndOutcome() async throws {
        let metrics = TestMetrics()
        let clock = ManualClock()
        let runner = try makeRunner("FixtureScripted", clock: clock, metrics: PluginMetrics(plugin: "fixture-scripted", factory: metrics))
        let state = try metrics.expectGauge("acuhook_breaker_state", [("plugin", "fixture-scripted")])
        #expect(state.lastValue == 0)

        for _ in 0..<5 { _ = await runner.run(seedEvent(type: "Fixture.Test", entityId: "retry"), attempt: 1) }
        #expect(runner.breakerState == .open)
        #expect(calls(metrics, "fixture-scripted", "retry") == 5)
        #expect(state.lastValue == 2)
        #expect(metrics.counterTotal(label: "acuhook_breaker_transitions_total", dimensions: [("plugin", "fixture-scripted"), ("to", "open")]) == 1)

        // Refused by the open breaker: counted, with no duration (nothing ran).
        _ = await runner.run(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1)
        #expect(calls(metrics, "fixture-scripted", "not_attempted") == 1)
        let durations = try metrics.expectTimer("acuhook_plugin_call_duration_seconds", [("plugin", "fixture-scripted")])
        #expect(durations.values.count == 5)

        // Half-open, then closed by a success.
        clock.advance(by: .seconds(30))
        #expect(await runner.run(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1).outcome == .ok)
        #expect(calls(metrics, "fixture-scripted", "ok") == 1)
        #expect(metrics.counterTotal(label: "acuhook_breaker_transitions_total", dimensions: [("plugin", "fixture-scripted"), ("to", "half-open")]) == 1)
        #expect(metrics.counterTotal(label: "acuhook_breaker_transitions_total", dimensions: [("plugin", "fixture-scripted"), ("to", "closed")]) == 1)
        #expect(state.lastValue == 0)

        // Outcomes with a value (invalid statuses) share one bounded label.
        _ = await runner.run(seedEvent(type: "Fixture.Test", entityId: "garbage"), attempt: 1)
        #expect(calls(metrics, "fixture-scripted", "invalid_status") == 1)
        #expect(metrics.counters.allSatisfy { counter in counter.dimensions.allSatisfy { !$0.1.contains("Fixture.Test") } })
    }

    @Test func aCallPastItsTimeoutCountsALostThread() async throws {
        let metrics = TestMetrics()
        let clock = ManualClock()
        let runner = try makeRunner(
            "FixtureScripted", clock: clock, timeout: .milliseconds(100), metrics: PluginMetrics(plugin: "fixture-scripted", factory: metrics)
        )
        // Long enough that a loaded machine cannot let the call finish before the timeout fires.
        let call = Task { await runner.run(seedEvent(type: "Fixture.Test", entityId: "sleep:10000"), attempt: 1) }
        let deadline = ContinuousClock.now + .seconds(20)
        while runner.statistics.timeouts == 0, ContinuousClock.now < deadline {
            clock.advance(by: .milliseconds(50))
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(await call.value.outcome == .failed(.timeout))
        #expect(metrics.counterTotal(label: "acuhook_lost_threads_total", dimensions: [("plugin", "fixture-scripted")]) == 1)
        #expect(calls(metrics, "fixture-scripted", "timeout") == 1)
    }

    @Test func aReplacedInstanceCountsOnWhereTheOldOneStoppedAndReloadsAreCounted() async throws {
        let metrics = TestMetrics()
        let dir = try FixturePlugins.temporaryDirectory()
        func settings(_ config: String) -> PluginHostSettings {
            var plugin = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
            plugin.events = [.prefix("Fixture.")]
            plugin.configJSON = Array(config.utf8)
            var settings = PluginHostSettings()
            settings.plugins = [plugin]
            return settings
        }
        let host = PluginHost(settings: settings("{}"), clock: ContinuousClock(), logger: Logger(label: "test"), metricsFactory: metrics)
        for _ in 0..<2 { _ = await host.runners["fixture-scripted"]!.run(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1) }
        let first = host.runners["fixture-scripted"]!.statistics.calls

        let report = await host.reload(settings(#"{"tuned":true}"#), copiesDirectory: dir.appendingPathComponent("copies"))
        #expect(report.replaced == ["fixture-scripted"])
        _ = await host.runners["fixture-scripted"]!.run(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1)
        // The admin counters belong to the instance; the exported series to the plugin's name.
        #expect(first == 2 && host.runners["fixture-scripted"]!.statistics.calls == 1)
        #expect(calls(metrics, "fixture-scripted", "ok") == 3)

        var broken = settings(#"{"tuned":true}"#)
        broken.plugins.append(PluginSettings(path: FixturePlugins.path("FixtureWrongABI")))
        #expect(await host.reload(broken, copiesDirectory: dir.appendingPathComponent("copies")).applied == false)
        #expect(metrics.counterTotal(label: "acuhook_reloads_total", dimensions: [("result", "applied")]) == 1)
        #expect(metrics.counterTotal(label: "acuhook_reloads_total", dimensions: [("result", "failed")]) == 1)
        try await host.shutdown()
    }
}
