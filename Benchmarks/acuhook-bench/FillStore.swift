import AcuhookCore
import AcuhookSQLite
import AcuhookStore
import Foundation
import GRDB
import Logging

/// `acuhook-bench fill-store PATH N`: stores N guide-format deliveries (one event each, routed to
/// plugin `customer-sync`) through the store's own accept path, over three sources and ten event
/// types, a minute apart in receipt time; then marks 99 % of the jobs done and 1 % dead
/// (exhausted, with one attempt each), as a store looks after a long run.
func runFillStore(path: String, count: Int) async throws {
    let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "bench"))
    let start = SystemWallClock().nowUnixMilliseconds - Int64(count) * 60_000
    let sources = ["acumatica", "push", "erp-eu"]
    let clock = ContinuousClock.now
    var next = 0
    let width = 256
    while next < count {
        let end = min(count, next + width * 16)
        await withTaskGroup(of: Void.self) { group in
            for index in next..<end {
                group.addTask {
                    let type = "Entity\(index % 10).Updated"
                    let json = #"{"eventType":"\#(type)","entityType":"Entity\#(index % 10)","entityId":"E\#(index)","data":{"Name":{"value":"Customer \#(index)"}}}"#
                    let event = InboundEvent(eventType: type, entityType: "Entity\(index % 10)", entityId: "E\(index)", tenant: "", orderingKey: "", json: Array(json.utf8), plugins: ["customer-sync"])
                    let delivery = Delivery(
                        source: sources[index % 3], idempotencyKey: "fill-\(index)", idempotencyKeyOrigin: "bench", format: .guide,
                        receivedAtUnixMilliseconds: start + Int64(index) * 60_000, body: Array(json.utf8),
                        headers: [.init(name: "x-acumatica-delivery", value: "fill-\(index)")], clientAddress: "10.0.0.1", events: [event]
                    )
                    _ = try? await store.accept(delivery, keepKeyFor: .seconds(60))
                }
            }
        }
        next = end
        if next % 100_000 < width * 16 { print("stored \(next) deliveries (\(ContinuousClock.now - clock))") }
    }
    // Done and dead, as after a long run (the dispatcher would take hours on this machine).
    let queue = try DatabaseQueue(path: path)
    try await queue.write { db in
        try db.execute(sql: "UPDATE jobs SET state = 'done', attempts = 1, updated_at = due_at")
        try db.execute(sql: "UPDATE jobs SET state = 'dead', dead_reason = 'exhausted' WHERE id % 100 = 0")
        try db.execute(sql: """
            INSERT INTO job_attempts (job_id, attempt, started_at, duration_ms, outcome, message)
            SELECT id, 1, due_at, 5, 'retry', 'downstream unavailable' FROM jobs WHERE state = 'dead'
            """)
    }
    print("filled \(count) deliveries in \(ContinuousClock.now - clock): \(path)")
}
