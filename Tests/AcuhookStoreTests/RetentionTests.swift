import AcuhookCore
import AcuhookSQLite
import AcuhookStore
import AcuhookTesting
import Foundation
import GRDB
import Logging
import Testing

/// The sweep works in paced batches and the SQLite file gives its pages back (what retention
/// removes is in InboxContractTests).
@Suite struct RetentionTests {
    let day: Int64 = 86_400_000
    let now: Int64 = 1_796_000_000_000

    func delivery(_ key: String, at time: Int64, plugins: [String] = ["p"]) -> Delivery {
        let body = Array(String(repeating: "x", count: 2_000).utf8)
        let event = InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: key, tenant: "", orderingKey: "", json: body, plugins: plugins)
        return Delivery(
            source: "s", idempotencyKey: key, idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: time,
            body: body, headers: [], clientAddress: "-", events: [event]
        )
    }

    @Test func aStepIsFollowedByAPauseAsLongAsItTook() {
        let pacing = SweepPacing(minimumPause: .milliseconds(2))
        #expect(pacing.pause(after: .milliseconds(7)) == .milliseconds(7))
        #expect(pacing.pause(after: .microseconds(300)) == .milliseconds(2))
    }

    @Test func aLargeSweepWorksInBatchesAndTheFileShrinks() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("shrink.db").path
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        for index in 0..<1_200 {
            _ = try await store.accept(delivery("k\(index)", at: now - 8 * day + Int64(index), plugins: []), keepKeyFor: .seconds(60))
        }
        _ = try await store.accept(delivery("recent", at: now, plugins: []), keepKeyFor: .seconds(60))
        func pages() async throws -> Int { try await DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "PRAGMA page_count") ?? 0 } }
        let before = try await pages()
        let sweeper = StoreSweeper(
            store: store, retention: .seconds(7 * 86_400), pacing: SweepPacing(batchSize: 100, pagesPerStep: 64, minimumPause: .milliseconds(1)),
            wallClock: FixedWallClock(now), logger: Logger(label: "test")
        )
        let sweep = await sweeper.sweep()
        #expect(sweep.deliveries == 1_200)
        #expect(sweep.keys == 1_200)  // kept for 60 s, eight days ago; the recent one stays
        #expect(sweep.pages > 64, "reclaimed in several steps")
        #expect(try await store.count("deliveries") == 1)
        let vacuum = try await DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "PRAGMA auto_vacuum") }
        #expect(vacuum == 2)  // incremental
        let after = try await pages()
        #expect(after < before / 4, "page_count \(before) → \(after)")
    }
}
