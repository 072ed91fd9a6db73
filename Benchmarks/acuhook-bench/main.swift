// acuhook-bench: measurements run by hand (see Benchmarks/README.md). Not a test.
//   acuhook-bench [iterations]           ABI cost per event (default 2,000,000 calls per round)
//   acuhook-bench bare-server PORT       a bare Hummingbird POST route, the receive benchmark's reference
//   acuhook-bench receive-path [N]       CPU cost of each receive step, without HTTP
//   acuhook-bench dispatch [N]           plugin calls per second through the dispatcher into a no-op plugin
//   acuhook-bench dispatch-isolation [N] a healthy plugin's rate alone vs. beside one failing every call
//   acuhook-bench latency [RATE] [SECS]  receive → plugin latency p50/p99 at a fixed offered rate
//   acuhook-bench isolation [N]          isolated (worker process) vs. in-process runner, no-op plugin
//   acuhook-bench memory-server PORT     Acuhook's receiver on the in-memory store (isolates the store)
//   acuhook-bench log-server PORT PATH [inline]  Acuhook's receiver on an append-only intake log (fdatasync
//                                        per batch on a writer thread; inline: on each event loop, per tick)
//   acuhook-bench fill-store PATH N      a SQLite store with N deliveries, jobs done and dead (console.sh)
//   acuhook-bench claims [N]             claim latency with 10 k, 100 k and N (default 1,000,000) queued jobs
//   acuhook-bench plugin-cost [N] [SO…]  CPU per call of real plugins (default: the Swift no-op fixture, customer-sync)
//   acuhook-bench pg-upsert URL [N] [B] [R]  pg-upsert rows/s per event vs. batches of B (500), R (3) rounds alternated
// BENCH_DATABASE_URL=postgres://… runs dispatch, dispatch-isolation, latency and claims on PostgreSQL.
import AcuhookTesting

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "fill-store", arguments.count > 2 {
    try await runFillStore(path: arguments[1], count: Int(arguments[2]) ?? 1_000_000)
} else if arguments.first == "plugin-cost" {
    let calls = arguments.count > 1 ? Int(arguments[1]) ?? 100_000 : 100_000
    let plugins = arguments.count > 2 ? Array(arguments.dropFirst(2)) : [FixturePlugins.path("FixtureSwiftNoop"), FixturePlugins.path("CustomerSync")]
    try runPluginCostBenchmark(calls: calls, plugins: plugins)
} else if arguments.first == "pg-upsert", arguments.count > 1 {
    try runPgUpsertBenchmark(
        url: arguments[1], events: arguments.count > 2 ? Int(arguments[2]) ?? 20_000 : 20_000,
        batch: arguments.count > 3 ? Int(arguments[3]) ?? 500 : 500, rounds: arguments.count > 4 ? Int(arguments[4]) ?? 3 : 3
    )
} else if arguments.first == "claims" {
    try await runClaimLatencyBenchmark(largest: arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000)
} else if arguments.first == "dispatch" {
    try await runDispatchBenchmark(jobs: arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000)
} else if arguments.first == "dispatch-isolation" {
    try await runDispatchIsolationBenchmark(jobs: arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000)
} else if arguments.first == "isolation" {
    try await runIsolationBenchmark(calls: arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000)
} else if arguments.first == "latency" {
    try await runLatencyBenchmark(
        rate: arguments.count > 1 ? Int(arguments[1]) ?? 5_000 : 5_000,
        seconds: arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
    )
} else if arguments.first == "receive-path" {
    try await runReceivePathBenchmark(iterations: arguments.count > 1 ? Int(arguments[1]) ?? 20_000 : 20_000)
} else if arguments.first == "memory-server" {
    try await runMemoryServer(port: arguments.count > 1 ? Int(arguments[1]) ?? 18083 : 18083)
} else if arguments.first == "log-server" {
    try await runIntakeLogServer(port: arguments.count > 1 ? Int(arguments[1]) ?? 18089 : 18089, path: arguments.count > 2 ? arguments[2] : "acuhook-intake.log", inline: arguments.count > 3 && arguments[3] == "inline")
} else if arguments.first == "bare-server" {
    try await runBareServer(port: arguments.count > 1 ? Int(arguments[1]) ?? 18080 : 18080)
} else {
    runABIBenchmark(iterations: arguments.first.flatMap(Int.init) ?? 2_000_000)
}
