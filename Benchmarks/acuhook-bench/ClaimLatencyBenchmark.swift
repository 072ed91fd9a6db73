import AcuhookCore
import AcuhookPostgres
import AcuhookSQLite
import AcuhookStore
import Foundation
import PostgresNIO

/// Claim latency as the queue grows: with 10 k, 100 k and then `largest` pending jobs stored,
/// `rounds` claims of 32 jobs (each batch then completed), timed one by one; prints p50 and p99
/// per size. A claim served by an index costs the same at every size; a scan would grow with it.
func runClaimLatencyBenchmark(largest: Int, rounds: Int = 300) async throws {
    let store = try await benchStore("claims")
    print("claim latency: \(store is SQLiteEventStore ? "SQLite" : "PostgreSQL"), claims of 32 due jobs, \(rounds) rounds per size")
    var stored = 0
    for size in [10_000, 100_000, largest] where size >= stored {
        let started = ContinuousClock.now
        try await storeJobs(store, count: size - stored, plugins: ["p"]) { "C\($0 % 5_000)" }
        stored = size
        print(String(format: "  %7d pending (stored in %.1f s)", size, (ContinuousClock.now - started).inSeconds), terminator: "")
        var took: [Double] = []
        let now = Int64(Date().timeIntervalSince1970 * 1000) + 60_000
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            let claimed = try await store.claimJobs(perPlugin: ["p": 32], lease: .seconds(60), nowUnixMilliseconds: now)
            took.append((ContinuousClock.now - start).inSeconds * 1000)
            try await store.complete(claimed.map { JobCompletion(jobID: $0.id, claim: $0.claim, disposition: .done(skipped: false), attempt: nil) })
        }
        took.sort()
        print(String(format: ": claim p50 %.2f ms, p99 %.2f ms", took[took.count / 2], took[took.count * 99 / 100]))
    }
    if let postgres = store as? PostgresEventStore {
        // The plan of the very statement claims run, with this queue.
        print("  the claim statement's plan with \(stored) jobs stored, as it ran (EXPLAIN ANALYZE; it claims 32):")
        _ = try await postgres.client.query("ANALYZE jobs")
        let explain = "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + PostgresEventStore.claimSQL
            .replacingOccurrences(of: "$1::text[]", with: "ARRAY['p']").replacingOccurrences(of: "$2::int4[]", with: "ARRAY[32]")
            .replacingOccurrences(of: "$3", with: "9999999999999").replacingOccurrences(of: "$4", with: "9999999999999")
            .replacingOccurrences(of: "$5", with: "'bench'")
        for try await line in try await postgres.client.query(PostgresQuery(unsafeSQL: explain)).decode(String.self) { print("    " + line) }
    }
    await store.close()
}
