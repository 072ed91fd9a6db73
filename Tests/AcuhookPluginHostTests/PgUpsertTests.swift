import AcuhookCore
import AcuhookPluginHost
import AcuhookStore
import AcuhookTesting
import Foundation
import Testing

/// Plugins/pg-upsert against the throwaway PostgreSQL of scripts/test.sh: batched upserts, one
/// write per event, and a database that goes away and comes back.
@Suite(.enabled(if: StoreBackend.postgresURL != nil, "no test database: scripts/test.sh starts one (ACUHOOK_TEST_DATABASE_URL)"))
struct PgUpsertTests {
    let url = StoreBackend.postgresURL ?? ""
    let table = "customers_" + UUID().uuidString.prefix(8).lowercased()

    func customer(_ type: String, _ entityId: String, delivery: String, data: String, attempt: Int = 1) -> PluginCall {
        let json = #"{"eventType":"\#(type)","entityType":"Customer","entityId":"\#(entityId)","data":\#(data)}"#
        let event = PluginEvent(
            eventType: type, entityType: "Customer", entityId: entityId, deliveryId: delivery, tenant: "T",
            receivedAtUnixMilliseconds: 1_705_314_600_000, json: Array(json.utf8)
        )
        return PluginCall(event, attempt: attempt)
    }

    /// Rows of `sql`, `|`-separated, read with psql.
    func query(_ sql: String, url: String? = nil) async throws -> String {
        let result = try await runCommand("/usr/bin/env", ["psql", url ?? self.url, "-X", "-A", "-t", "-c", sql])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func plugin(url: String? = nil) throws -> PluginInstance {
        try makeInstance("PgUpsert", config: #"{"url":"\#(url ?? self.url)","table":"\#(table)"}"#)
    }

    @Test func aBatchIsOneUpsertTheLastEventOfACustomerWinsAndEachEventWritesOnce() async throws {
        let plugin = try plugin()
        #expect(plugin.image.handlesBatches && !plugin.image.threadSafe)
        let batch = [
            customer("Customer.Updated", "C1", delivery: "d1", data: #"{"CustomerID":{"value":"C1"},"CustomerName":{"value":"One"},"Status":{"value":"Active"}}"#),
            customer("Customer.Created", "C2", delivery: "d2", data: #"{"CustomerName":"Two","Status":"Hold"}"#),
            customer("Customer.Updated", "C1", delivery: "d3", data: #"{"CustomerName":{"value":"One, renamed"},"Status":{"value":"Active"}}"#),
            customer("Customer.Deleted", "C2", delivery: "d4", data: "{}"),
        ]
        let results = plugin.invoke(batch, asBatch: true)
        #expect(results.map(\.outcome) == [.ok, .ok, .ok, .skipped], "\(results.map(\.message))")
        #expect(try await query("SELECT id, name, status, writes FROM \(table) ORDER BY id") == "C1|One, renamed|Active|1\nC2|Two|Hold|1")
        #expect(try await query("SELECT count(*) FROM \(table)_events") == "3")

        // The same batch again (a retry after a lost answer): nothing is written twice.
        let again = plugin.invoke(batch.map { customer($0.event.eventType, $0.event.entityId, delivery: $0.event.deliveryId, data: "{}", attempt: 2) }, asBatch: true)
        #expect(again.map(\.outcome) == [.ok, .ok, .ok, .skipped])
        #expect(try await query("SELECT id, name, writes FROM \(table) ORDER BY id") == "C1|One, renamed|1\nC2|Two|1")

        // One event through `handle`, and a new event of a known customer: its second write.
        let single = plugin.invoke(customer("Customer.Updated", "C2", delivery: "d5", data: #"{"CustomerName":"Two B"}"#).event, attempt: 1)
        #expect(single.outcome == .ok)
        #expect(try await query("SELECT name, writes FROM \(table) WHERE id = 'C2'") == "Two B|2")

        // An event the table refuses (no id at all) is rejected alone; its batch-mate is written.
        let mixed = plugin.invoke([customer("Customer.Updated", "", delivery: "d6", data: "{}"), customer("Customer.Updated", "C3", delivery: "d7", data: "{}")], asBatch: true)
        #expect(mixed.map(\.outcome) == [.rejected, .ok])
        #expect(mixed[0].message?.contains("null value in column \"id\"") == true, "\(mixed[0].message ?? "")")
        #expect(try await query("SELECT count(*) FROM \(table)") == "3")
    }

    @Test func aDatabaseThatGoesAwayAnswersRetryAndTheNextCallReconnects() async throws {
        let settings = try PostgresSettings(url: url)
        let proxy = try TCPProxy(targetHost: settings.host, targetPort: settings.port)
        try proxy.start()
        var components = try #require(URLComponents(string: url))
        components.host = "127.0.0.1"
        components.port = proxy.port
        let plugin = try plugin(url: try #require(components.string))
        let first = [customer("Customer.Updated", "C1", delivery: "d1", data: #"{"CustomerName":"One"}"#)]
        #expect(plugin.invoke(first, asBatch: true).map(\.outcome) == [.ok])

        await proxy.stop()
        let batch = [
            customer("Customer.Updated", "C2", delivery: "d2", data: #"{"CustomerName":"Two"}"#),
            customer("Customer.Updated", "C3", delivery: "d3", data: #"{"CustomerName":"Three"}"#),
        ]
        let lost = plugin.invoke(batch, asBatch: true)
        #expect(lost.map(\.outcome) == [.retry, .retry], "\(lost.map(\.message))")
        let away = plugin.invoke(batch, asBatch: true)
        #expect(away.map(\.outcome) == [.retry, .retry])
        #expect(away[0].message?.hasPrefix("database unreachable") == true, "\(away[0].message ?? "")")

        try proxy.start()
        let back = plugin.invoke(batch.map { customer($0.event.eventType, $0.event.entityId, delivery: $0.event.deliveryId, data: #"{"CustomerName":"again"}"#, attempt: 2) }, asBatch: true)
        #expect(back.map(\.outcome) == [.ok, .ok], "\(back.map(\.message))")
        #expect(try await query("SELECT id, writes FROM \(table) ORDER BY id") == "C1|1\nC2|1\nC3|1")
        await proxy.stop()
    }
}
