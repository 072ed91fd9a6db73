import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import MetricsTestKit
import Testing

/// The isolated runner with real `acuhook plugin-worker` processes and real fixture plugins.
@Suite struct WorkerPoolRunnerTests {
    func makeRunner(
        _ product: String = "FixtureScripted",
        timeout: Duration = .seconds(30),
        maxConcurrency: Int = 4,
        workers: Int = 1,
        config: String = "{}",
        logs: RecordingLogHandler.Store = RecordingLogHandler.Store(),
        metrics: TestMetrics = TestMetrics()
    ) throws -> GuardedPluginRunner<ContinuousClock, WorkerPoolTransport<ContinuousClock>> {
        let logger = RecordingLogHandler.logger(logs)
        let image = try PluginLoader.load(path: FixturePlugins.path(product), logger: logger)
        var settings = PluginSettings(path: FixturePlugins.path(product))
        settings.timeout = timeout
        settings.maxConcurrency = maxConcurrency
        settings.workers = workers
        settings.configJSON = Array(config.utf8)
        settings.isolation = .process
        return GuardedPluginRunner(
            image: image, settings: settings, limits: PluginInstance.Limits(), executable: FixturePlugins.acuhookExecutable,
            clock: ContinuousClock(), logger: logger, metrics: PluginMetrics(plugin: image.name, factory: metrics)
        )
    }

    func event(_ id: String) -> PluginEvent { seedEvent(type: "Fixture.Test", entityId: id) }

    /// Calls `id` until it succeeds (a restarting worker answers `unavailable` meanwhile).
    func untilOK(_ runner: GuardedPluginRunner<ContinuousClock, WorkerPoolTransport<ContinuousClock>>, _ id: String = "ok") async throws -> PluginCallResult {
        let deadline = ContinuousClock.now + .seconds(20)
        var last = await runner.run(event(id), attempt: 1)
        while last.outcome != .ok, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            last = await runner.run(event(id), attempt: 1)
        }
        return last
    }

    @Test func callsCarryEveryFieldAndResultThroughTheWorker() async throws {
        let logs = RecordingLogHandler.Store()
        let runner = try makeRunner(logs: logs)
        let ok = try await untilOK(runner)
        #expect(ok.outputText?.hasPrefix("peak=") == true)
        let rejected = await runner.run(event("reject"), attempt: 2)
        #expect(rejected.outcome == .rejected)
        #expect(rejected.message == "bad data (fixture)")
        let emitted = await runner.run(event("emit"), attempt: 1)
        #expect(emitted.outcome == .ok)
        #expect(emitted.derived.map(\.eventType) == ["Fixture.Derived"])
        #expect(await runner.run(event("garbage"), attempt: 1).outcome == .failed(.invalidStatus(77)))
        // A plugin writing to stdout does not corrupt the protocol: the text goes to the log.
        #expect(await runner.run(event("stdout"), attempt: 1).outcome == .ok)
        #expect(await runner.run(event("ok"), attempt: 1).outcome == .ok)
        #expect(runner.restarts == 0)
        await runner.shutdown()
        let deadline = ContinuousClock.now + .seconds(10)
        func logged() -> Bool {
            logs.all.contains { $0.message == "plugin worker stderr" && $0.metadata["acuhook.worker.line"]?.contains("garbage on stdout") == true }
        }
        while !logged(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(logged())
        #expect(logs.all.contains { $0.message == "plugin worker stderr" && $0.metadata["acuhook.plugin"] == "fixture-scripted" })
    }

    @Test func crashesFailTheCallAndTheWorkerIsRestarted() async throws {
        let logs = RecordingLogHandler.Store()
        let metrics = TestMetrics()
        let runner = try makeRunner(logs: logs, metrics: metrics)
        _ = try await untilOK(runner)
        let firstPID = try #require(runner.workerPIDs.first)
        for (command, signal) in [("segv", "SIGSEGV"), ("abort", "SIGABRT"), ("exit", "status 3")] {
            let crashed = await runner.run(event(command), attempt: 1)
            #expect(crashed.outcome == .failed(.crashed), "\(command)")
            #expect(crashed.message?.contains(signal) == true, "\(command): \(crashed.message ?? "")")
            #expect(crashed.isBreakerFailure)
            // The worker comes back and serves again.
            #expect(try await untilOK(runner).outcome == .ok)
        }
        #expect(runner.restarts == 3)
        #expect(metrics.counterTotal(label: "acuhook_worker_restarts_total", dimensions: [("plugin", "fixture-scripted")]) == 3)
        #expect(metrics.counterTotal(label: "acuhook_plugin_calls_total", dimensions: [("plugin", "fixture-scripted"), ("outcome", "crashed")]) == 3)
        #expect(runner.workerPIDs.first != firstPID)
        #expect(logs.all.contains { $0.message == "plugin worker ended; restarting it" })
        await runner.shutdown()
    }

    @Test func aCallPastItsTimeoutKillsItsWorkerAndLosesNoThread() async throws {
        // Long enough that a restarted worker's first call never reaches it on a loaded machine
        // (with 300 ms, every call of the restarted worker timed out once while two builds ran).
        let runner = try makeRunner(timeout: .seconds(2))
        _ = try await untilOK(runner)
        let pid = try #require(runner.workerPIDs.first)
        let hung = await runner.run(event("hang"), attempt: 1)
        #expect(hung.outcome == .failed(.timeout))
        #expect(hung.message?.contains("killed") == true)
        #expect(runner.statistics.lost == 0)
        #expect(runner.statistics.timeouts == 1)
        #expect(try await untilOK(runner).outcome == .ok)
        #expect(runner.workerPIDs.first != pid)
        // The hung worker is gone, not left behind.
        #expect(kill(pid, 0) != 0)
        await runner.shutdown()
    }

    @Test func severalCallsRunAtOnceInAThreadSafePluginsWorkers() async throws {
        let runner = try makeRunner(maxConcurrency: 4, workers: 2)
        _ = try await untilOK(runner)
        #expect(runner.workerPIDs.count == 2)
        let results = await withTaskGroup(of: PluginCallResult.self) { group in
            for _ in 0..<8 { group.addTask { await runner.run(self.event("sleep:200"), attempt: 1) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.outcome == .ok })
        // Each worker runs two at once (4 over 2 workers): its peak reaches 2.
        #expect(results.contains { $0.outputText == "peak=2" })
        await runner.shutdown()
    }

    @Test func aPluginThatCannotBeCreatedFailsItsCallsNotTheHost() async throws {
        let logs = RecordingLogHandler.Store()
        let runner = try makeRunner(config: #"{"fail_create":true}"#, logs: logs)
        let result = await runner.run(event("ok"), attempt: 1)
        #expect(result.outcome != .ok)
        #expect(result.isBreakerFailure)
        let deadline = ContinuousClock.now + .seconds(10)
        while !logs.all.contains(where: { $0.message == "plugin worker could not load the plugin" }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(logs.all.contains { $0.message == "plugin worker could not load the plugin" })
        await runner.shutdown()
    }

    @Test func aLeakingPluginGrowsOnlyItsWorker() async throws {
        let runner = try makeRunner()
        _ = try await untilOK(runner)
        let pid = try #require(runner.workerPIDs.first)
        func rssKB(_ pid: Int32) -> Int {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        let before = rssKB(pid)
        for _ in 0..<32 { #expect(await runner.run(event("leak"), attempt: 1).outcome == .ok) }
        // 32 MiB leaked, all of it in the worker's address space, none in the host's.
        #expect(rssKB(pid) - before >= 30_000)
        #expect(runner.restarts == 0)
        await runner.shutdown()
    }

    @Test func aWorkerThatCannotStartFailsCallsAndKeepsTrying() async throws {
        let logs = RecordingLogHandler.Store()
        let logger = RecordingLogHandler.logger(logs)
        var settings = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        settings.isolation = .process
        settings.timeout = .milliseconds(300)
        let runner = GuardedPluginRunner(
            image: try PluginLoader.load(path: settings.path, logger: logger), settings: settings, limits: PluginInstance.Limits(),
            executable: "/nonexistent/acuhook", clock: ContinuousClock(), logger: logger
        )
        let result = await runner.run(event("ok"), attempt: 1)
        #expect(result.outcome == .failed(.unavailable))
        // It keeps trying (with backoff) rather than giving up after the first failure.
        let deadline = ContinuousClock.now + .seconds(10)
        while runner.restarts < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(runner.restarts >= 3)
        #expect(logs.all.contains { $0.message == "cannot start a plugin worker" })
        await runner.shutdown()
    }
}
