import AcuhookCore
import AcuhookPluginHost
import Foundation
import Logging

/// Added latency and throughput of the isolated runner (`isolation: process`) against the
/// in-process runner, both calling the C no-op plugin through their full path (breaker,
/// concurrency limit, timeout, call).
func runIsolationBenchmark(calls: Int) async throws {
    print("isolation: FixtureNoop, \(calls) calls one at a time (latency), then \(calls * 4) with 16 in flight (throughput)")
    var rows: [(String, Double, Double, Double)] = []
    for (name, isolation, workers) in [("in-process", PluginIsolation.inProcess, 1), ("process, 1 worker", .process, 1), ("process, 2 workers", .process, 2)] {
        var settings = PluginHostSettings()
        var plugin = benchPlugin("FixtureNoop")
        plugin.isolation = isolation
        plugin.workers = workers
        plugin.maxConcurrency = 16
        settings.plugins = [plugin]
        settings.workerExecutable = buildDirectory.appendingPathComponent("acuhook").path
        let host = PluginHost(settings: settings, clock: ContinuousClock(), logger: benchLogger())
        guard host.failures.isEmpty, let runner = host.runners["fixture-noop"] else { fatalError("\(host.failures)") }
        let event = PluginEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: "C1", deliveryId: "d", tenant: "T", json: Array(benchmarkBody().utf8))
        // Warm up (and wait for the worker to start).
        for _ in 0..<200 { _ = await runner.run(event, attempt: 1) }
        var latencies: [Double] = []
        latencies.reserveCapacity(calls)
        for _ in 0..<calls {
            let start = ContinuousClock.now
            let result = await runner.run(event, attempt: 1)
            let elapsed = start.duration(to: .now)
            precondition(result.outcome == .ok, "\(result)")
            latencies.append(elapsed.inSeconds * 1e6)
        }
        latencies.sort()
        let total = calls * 4
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for _ in stride(from: worker, to: total, by: 16) { _ = await runner.run(event, attempt: 1) }
                }
            }
        }
        let elapsed = start.duration(to: .now)
        let seconds = elapsed.inSeconds
        rows.append((name, latencies[calls / 2], latencies[calls * 99 / 100], Double(total) / seconds))
        try await host.shutdown()
    }
    let reference = rows[0].1
    for (name, p50, p99, rate) in rows {
        print(String(
            format: "  %@ p50 %7.1f µs (added %6.1f µs)  p99 %7.1f µs  %8.0f calls/s",
            name.padding(toLength: 20, withPad: " ", startingAt: 0), p50, p50 - reference, p99, rate
        ))
    }
    print("  (goal: ≤ 100 µs p50 added per call, ≥ 10,000 calls/s per plugin)")
}
