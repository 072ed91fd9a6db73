import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging

/// Rows per second of Plugins/pg-upsert into the PostgreSQL at `url`, called one event per call
/// (`handle`) and in batches of `batch` (`handle_batch`), alternated over `rounds` rounds. Every
/// event is a ~1 KB guide-format `Customer.Updated` of its own customer and delivery, so every
/// event is one new row and one ledger row; each round writes to a new table. Wall time of the
/// calls alone (the plugin is loaded and connected first).
func runPgUpsertBenchmark(url: String, events: Int, batch: Int, rounds: Int) throws {
    let logger = Logger(label: "bench")
    let image = try PluginLoader.load(path: FixturePlugins.path("PgUpsert"), logger: logger)
    var data = #""CustomerName":{"value":"Benchmark Customer"},"Status":{"value":"Active"}"#
    var attribute = 0
    while data.utf8.count < 860 {
        data += #","Attribute\#(attribute)":{"value":"some attribute value"}"#
        attribute += 1
    }
    func event(_ n: Int, round: Int) -> PluginCall {
        let id = "C\(round)-\(n)"
        let json = #"{"eventType":"Customer.Updated","timestamp":"2024-01-15T10:30:00Z","entityType":"Customer","entityId":"\#(id)","tenantId":"MyCompany","data":{"CustomerID":{"value":"\#(id)"},\#(data)},"metadata":{"source":"WebUI"}}"#
        return PluginCall(
            PluginEvent(
                eventType: "Customer.Updated", entityType: "Customer", entityId: id, deliveryId: "bench-\(round)-\(n)", tenant: "MyCompany",
                receivedAtUnixMilliseconds: 1_705_314_600_000, json: Array(json.utf8)
            ),
            attempt: 1
        )
    }
    /// Rows per second writing `count` events, `size` per call, into a new table.
    func measure(_ name: String, count: Int, size: Int, round: Int) throws -> Double {
        let table = "bench_\(name)_\(round)_\(UInt32.random(in: 0...UInt32.max))"
        let plugin = try PluginInstance(image: image, configJSON: Array(#"{"url":"\#(url)","table":"\#(table)"}"#.utf8), logger: logger)
        let warm = plugin.invoke([event(-1, round: round)], asBatch: size > 1)
        precondition(warm.allSatisfy { $0.outcome == .ok }, "\(warm.map(\.message))")
        let calls = (0..<count).map { event($0, round: round) }
        let started = ContinuousClock.now
        var index = 0
        while index < count {
            let chunk = Array(calls[index..<min(count, index + size)])
            let results = size > 1 ? plugin.invoke(chunk, asBatch: true) : [plugin.invoke(chunk[0].event, attempt: 1)]
            precondition(results.allSatisfy { $0.outcome == .ok }, "\(results.first { $0.outcome != .ok }?.message ?? "")")
            index += size
        }
        let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18 + Double((ContinuousClock.now - started).components.seconds)
        return Double(count) / seconds
    }
    // Per event is slow (a round trip and a commit per row): a tenth as many events keeps it short.
    let perEventCount = max(1, events / 10)
    print("pg-upsert rows/s: ~1 KB Customer.Updated events, per event (\(perEventCount) events) vs batches of \(batch) (\(events) events), \(rounds) rounds")
    var ratios: [Double] = []
    for round in 1...rounds {
        let single = try measure("single", count: perEventCount, size: 1, round: round)
        let batched = try measure("batch", count: events, size: batch, round: round)
        ratios.append(batched / single)
        print(String(format: "  round %d: per event %8.0f rows/s   batched %9.0f rows/s   %.1f×", round, single, batched, batched / single))
    }
    print(String(format: "  median ratio: %.1f×", ratios.sorted()[ratios.count / 2]))
}
