import AcuhookCore
import AcuhookSQLite
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import Testing

/// `acuhook store copy`: a real SQLite file into the test run's PostgreSQL, twice.
@Suite(.enabled(if: StoreBackend.postgresURL != nil, "no test database: scripts/test.sh starts one (ACUHOOK_TEST_DATABASE_URL)"))
struct StoreCopyTests {
    func delivery(_ key: String, at time: Int64, plugins: [String] = ["p"]) -> Delivery {
        let body = Array(#"{"eventType":"Customer.Updated","entityId":"\#(key)"}"#.utf8)
        return Delivery(
            source: "erp", idempotencyKey: key, idempotencyKeyOrigin: "X-Acumatica-Delivery", format: .guide, receivedAtUnixMilliseconds: time, body: body,
            headers: [.init(name: "x-acumatica-delivery", value: key)], clientAddress: "10.1.2.3",
            events: [InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: key, tenant: "", orderingKey: "", json: body, plugins: plugins)]
        )
    }

    @Test func copiesEverythingKeepsIdsAndResumesWithoutDuplicating() async throws {
        let sqlitePath = try FixturePlugins.temporaryDirectory().appendingPathComponent("old.db").path
        let now = SystemWallClock().nowUnixMilliseconds
        let sqlite = try SQLiteEventStore(configuration: .init(path: sqlitePath), logger: Logger(label: "test"))
        for index in 0..<120 { _ = try await sqlite.accept(delivery("d\(index)", at: now + Int64(index)), keepKeyFor: .seconds(3 * 86_400)) }
        // Some handled, some dead (with history), one running (its process is gone), the rest pending.
        let claimed = try await sqlite.claimJobs(plugins: ["p"], limit: 50, lease: .seconds(60), nowUnixMilliseconds: now + 1_000)
        let failed = AttemptRecord(number: 1, startedAtUnixMilliseconds: now, durationMilliseconds: 4, outcome: .rejected, message: "bad data")
        try await sqlite.complete(claimed.prefix(30).map { JobCompletion(jobID: $0.id, claim: $0.claim, disposition: .done(skipped: false), attempt: nil) })
        try await sqlite.complete(claimed.dropFirst(30).prefix(19).map { JobCompletion(jobID: $0.id, claim: $0.claim, disposition: .dead(reason: .rejected), attempt: failed) })
        try await sqlite.setOverride(.route(plugin: "p", pattern: "Customer.Deleted", enabled: false), nowUnixMilliseconds: now)
        try await sqlite.setOverride(.breaker(plugin: "q", state: .open), nowUnixMilliseconds: now)

        let place = try StoreBackend.postgres.place()
        let url = try #require(place.url)
        let first = try await acuhook("store", "copy", "--from", sqlitePath, "--to", url, "--batch", "17")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("copied"), "\(first.stdout)")
        #expect(!first.stdout.contains("right-password"))

        let postgres = try await place.open()
        #expect(try await postgres.jobCounts() == [.done: 30, .dead: 19, .pending: 71])
        #expect(try await postgres.deadLetters().map(\.jobID) == (try await sqlite.deadLetters().map(\.jobID)))
        #expect(try await postgres.deadLetters().first?.attempts.map(\.message) == ["bad data"])
        #expect(try await postgres.overrides().overrides == (try await sqlite.overrides().overrides))
        #expect(try await postgres.delivery(7) == (try await sqlite.delivery(7)))
        #expect(try await postgres.deliveries(DeliveryFilter(), before: nil, limit: 500) == (try await sqlite.deliveries(DeliveryFilter(), before: nil, limit: 500)))
        // Idempotency keys came along: a resend is still a duplicate.
        #expect(try await postgres.accept(delivery("d5", at: now + 5_000), keepKeyFor: .seconds(60)) == .duplicate(deliveryID: 6))
        await postgres.close()

        // More arrives on the old store; a second run copies only that.
        for index in 120..<130 { _ = try await sqlite.accept(delivery("d\(index)", at: now + Int64(index)), keepKeyFor: .seconds(3 * 86_400)) }
        let second = try await acuhook("store", "copy", "--from", sqlitePath, "--to", url)
        #expect(second.status == 0, "\(second.stderr)")
        let reopened = try await place.open()
        #expect(try await reopened.count("deliveries") == 130)
        #expect(try await reopened.count("jobs") == 130)
        #expect(try await reopened.jobCounts()[.pending] == 81)

        // New deliveries continue after the copied ids; a copy into a database in use is refused.
        guard case .accepted(let newID, _) = try await reopened.accept(delivery("fresh", at: now + 6_000), keepKeyFor: .seconds(60)) else {
            Issue.record("a new delivery after the copy was not accepted")
            return
        }
        #expect(newID > 130)
        await reopened.close()
        let inUse = try await acuhook("store", "copy", "--from", sqlitePath, "--to", url)
        #expect(inUse.status != 0 && inUse.stderr.contains("an instance is using it"), "\(inUse.stderr)")

        let missing = try await acuhook("store", "copy", "--from", sqlitePath + ".nope", "--to", url)
        #expect(missing.status != 0 && missing.stderr.contains("no store at"))
    }
}
