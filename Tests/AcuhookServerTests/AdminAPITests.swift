import AcuhookAdmin
import AcuhookCore
import AcuhookInbound
import AcuhookPluginHost
import AcuhookSQLite
import AcuhookServer
import AcuhookStore
import AcuhookTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The admin API over real loopback HTTP, on a real SQLite store with real dead letters.
@Suite struct AdminAPITests {
    /// Fixed plugins and routes, so the API's own encoding is what is checked.
    struct FixedOperations: AdminOperations {
        func plugins() async -> [PluginStatus] {
            [PluginStatus(
                name: "alpha", version: "1.2.0", abi: "1.0", path: "/p/libAlpha.so", isolation: "in-process", threadSafe: true,
                concurrency: 4, timeoutMilliseconds: 30_000, breaker: "closed", counters: .init(calls: 7, failures: 2), status: "loaded"
            )]
        }
        func routes() async -> [RouteStatus] {
            [RouteStatus(plugin: "alpha", events: ["Customer.*"], disabledEvents: [], origin: "config file")]
        }
        func controlBreaker(plugin: String, action: BreakerAction) async throws -> Bool { false }
        func setRoute(plugin: String, pattern: String, enabled: Bool) async throws -> Bool { false }
        func clearRoutes(plugin: String) async throws -> Bool { false }
        func reload() async -> PluginReloadReport {
            var report = PluginReloadReport(applied: false, errors: ["fixed"])
            report.kept = ["alpha"]
            report.leftOut = ["/srv/plugins/libBroken.so"]
            return report
        }
    }

    /// A store with three events for plugins alpha and beta; alpha's first two jobs are dead
    /// (one rejected, one exhausted), everything else pending.
    static func storeWithDeadLetters() async throws -> SQLiteEventStore {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("admin.db").path
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: Logger(label: "test"))
        for (index, type) in ["Customer.Updated", "SalesOrder.Created", "Customer.Created"].enumerated() {
            let json = #"{"eventType":"\#(type)","entityId":"E\#(index)","data":{"TimeStamp":638400000000000001}}"#
            let event = InboundEvent(eventType: type, entityType: "X", entityId: "E\(index)", tenant: "", orderingKey: "", json: Array(json.utf8), plugins: ["alpha", "beta"])
            let delivery = Delivery(
                source: "acumatica", idempotencyKey: "key-\(index)", idempotencyKeyOrigin: "test", format: .guide,
                receivedAtUnixMilliseconds: 1_000, body: Array(json.utf8), headers: [], clientAddress: "127.0.0.1", events: [event]
            )
            _ = try await store.accept(delivery, keepKeyFor: .seconds(3600))
        }
        let claimed = try await store.claimJobs(plugins: ["alpha", "beta"], limit: 10, lease: .seconds(60), nowUnixMilliseconds: 2_000).filter { $0.plugin == "alpha" }
        let attempt = AttemptRecord(number: 1, startedAtUnixMilliseconds: 2_000, durationMilliseconds: 3, outcome: .rejected, message: "bad total")
        try await store.complete([
            JobCompletion(jobID: claimed[0].id, disposition: .dead(reason: .rejected), attempt: attempt),
            JobCompletion(jobID: claimed[1].id, disposition: .dead(reason: .exhausted), attempt: AttemptRecord(number: 1, startedAtUnixMilliseconds: 2_000, durationMilliseconds: 1, outcome: .timeout, message: nil)),
        ])
        return store
    }

    static func app(_ store: SQLiteEventStore, token: String? = nil) -> some ApplicationProtocol {
        Application(router: AdminAPI.makeRouter(store: store, operations: FixedOperations(), token: token, logger: Logger(label: "test")))
    }

    @Test func listsShowsReplaysAndPurgesDeadLetters() async throws {
        let store = try await Self.storeWithDeadLetters()
        try await Self.app(store).test(.live) { client in
            let list = try await client.execute(uri: "/admin/dlq", method: .get)
            #expect(list.status == .ok)
            let letters = try #require(list.json["dead_letters"] as? [[String: Any]])
            #expect(list.json["count"] as? Int == 2)
            #expect(letters.map { $0["reason"] as? String } == ["rejected", "exhausted"])

            let rejected = try await client.execute(uri: "/admin/dlq?reason=rejected", method: .get)
            let only = try #require((rejected.json["dead_letters"] as? [[String: Any]])?.first)
            let job = try #require(only["job"] as? Int)
            #expect((rejected.json["dead_letters"] as? [Any])?.count == 1)

            let show = try await client.execute(uri: "/admin/dlq/\(job)", method: .get)
            #expect(show.status == .ok)
            let body = String(buffer: show.body)
            // The event document is embedded exactly: the TimeStamp (> 2^53) is not rounded.
            #expect(body.contains("638400000000000001"))
            let attempts = try #require(show.json["attempts"] as? [[String: Any]])
            #expect(attempts.first?["message"] as? String == "bad total")
            #expect((show.json["event"] as? [String: Any])?["event_type"] as? String == "Customer.Updated")

            let one = try await client.execute(uri: "/admin/dlq?limit=1", method: .get)
            #expect(one.json["count"] as? Int == 1)
            for bad in ["abc", "0", "10001", "1.5"] {
                let refused = try await client.execute(uri: "/admin/dlq?limit=\(bad)", method: .get)
                #expect(refused.status == .badRequest && refused.code == "invalid_query", "limit=\(bad)")
            }

            let missing = try await client.execute(uri: "/admin/dlq/99999", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.code == "not_found")

            let nothing = try await client.execute(uri: "/admin/dlq/replay", method: .post, body: ByteBuffer(string: "{}"))
            #expect(nothing.status == .badRequest)
            let badSince = try await client.execute(uri: "/admin/dlq/replay", method: .post, body: ByteBuffer(string: #"{"since":"yesterday"}"#))
            #expect(badSince.status == .badRequest)
            #expect(badSince.code == "invalid_since")
            let notJSON = try await client.execute(uri: "/admin/dlq/purge", method: .post, body: ByteBuffer(string: "ids=1"))
            #expect(notJSON.status == .badRequest)

            let replay = try await client.execute(uri: "/admin/dlq/replay", method: .post, body: ByteBuffer(string: #"{"ids":[\#(job)]}"#))
            #expect(replay.status == .ok)
            #expect(replay.json["replayed"] as? Int == 1)
            let jobs = try await client.execute(uri: "/admin/jobs", method: .get)
            #expect((jobs.json["jobs"] as? [String: Int])?["dead"] == 1)
            #expect((jobs.json["jobs"] as? [String: Int])?["pending"] == 1)
            #expect((jobs.json["jobs"] as? [String: Int])?["running"] == 4)

            let purge = try await client.execute(uri: "/admin/dlq/purge", method: .post, body: ByteBuffer(string: #"{"plugin":"alpha","reason":"exhausted"}"#))
            #expect(purge.json["purged"] as? Int == 1)
            let after = try await client.execute(uri: "/admin/dlq", method: .get)
            #expect(after.json["count"] as? Int == 0)
        }
        // The replayed job kept its history and got a fresh budget.
        let counts = try await store.jobCounts()
        #expect(counts[.dead] == nil)
        #expect(try await store.count("job_attempts") == 1)
    }

    @Test func reportsPluginsAndRoutes() async throws {
        let store = try await Self.storeWithDeadLetters()
        try await Self.app(store).test(.live) { client in
            let plugins = try await client.execute(uri: "/admin/plugins", method: .get)
            let first = try #require((plugins.json["plugins"] as? [[String: Any]])?.first)
            #expect(first["name"] as? String == "alpha")
            #expect(first["abi"] as? String == "1.0")
            #expect((first["counters"] as? [String: Any])?["failures"] as? Int == 2)
            #expect((first["counters"] as? [String: Any])?["not_attempted"] as? Int == 0)
            #expect(first["thread_safe"] as? Bool == true)
            #expect(first["timeout_ms"] as? Int == 30_000)
            let routes = try await client.execute(uri: "/admin/routes", method: .get)
            #expect(((routes.json["routes"] as? [[String: Any]])?.first)?["origin"] as? String == "config file")
            #expect(((routes.json["routes"] as? [[String: Any]])?.first)?["disabled_events"] as? [String] == [])
            let unknown = try await client.execute(uri: "/admin/nothing", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.code == "not_found")
        }
    }

    @Test func aReloadAnswersItsWholeReportAndAFailedOneIs422() async throws {
        let store = try await Self.storeWithDeadLetters()
        try await Self.app(store).test(.live) { client in
            let reload = try await client.execute(uri: "/admin/reload", method: .post)
            #expect(reload.status == .unprocessableContent)
            #expect(reload.headers[.contentType] == "application/json")
            #expect(reload.json["applied"] as? Bool == false)
            #expect(reload.json["errors"] as? [String] == ["fixed"])
            #expect(reload.json["kept"] as? [String] == ["alpha"])
            #expect(reload.json["left_out"] as? [String] == ["/srv/plugins/libBroken.so"])
        }
    }

    @Test func aConfiguredTokenIsRequiredOnEveryRequest() async throws {
        let store = try await Self.storeWithDeadLetters()
        let token = "admin-token-0123456789"
        try await Self.app(store, token: token).test(.live) { client in
            let none = try await client.execute(uri: "/admin/dlq", method: .get)
            #expect(none.status == .unauthorized)
            #expect(none.headers[HTTPField.Name("WWW-Authenticate")!] == "Bearer")
            #expect(none.code == "unauthorized")
            var wrong = HTTPFields()
            wrong[.authorization] = "Bearer admin-token-0123456780"
            #expect(try await client.execute(uri: "/admin/dlq", method: .get, headers: wrong).status == .unauthorized)
            // A write without the token changes nothing.
            let replay = try await client.execute(uri: "/admin/dlq/replay", method: .post, headers: wrong, body: ByteBuffer(string: #"{"all":true}"#))
            #expect(replay.status == .unauthorized)
            var right = HTTPFields()
            right[.authorization] = "Bearer \(token)"
            let list = try await client.execute(uri: "/admin/dlq", method: .get, headers: right)
            #expect(list.status == .ok)
            #expect(list.json["count"] as? Int == 2)
        }
    }

    @Test func breakerAndRouteOverridesAreStoredAndApplied() async throws {
        let store = try await Self.storeWithDeadLetters()
        var scripted = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        scripted.events = [.exact("Fixture.Test")]
        var settings = PluginHostSettings()
        settings.plugins = [scripted]
        let host = PluginHost(settings: settings, clock: ContinuousClock(), logger: Logger(label: "test"))
        let app = Application(router: AdminAPI.makeRouter(store: store, operations: PluginHostOperations(host: host, store: store), token: nil, logger: Logger(label: "test")))
        try await app.test(.live) { client in
            let open = try await client.execute(uri: "/admin/plugins/fixture-scripted/breaker", method: .post, body: ByteBuffer(string: #"{"action":"open"}"#))
            #expect(open.status == .ok)
            #expect(open.json["breaker"] as? String == "forced-open")
            #expect(host.runners["fixture-scripted"]!.isRefusingCalls)
            let reset = try await client.execute(uri: "/admin/plugins/fixture-scripted/breaker", method: .post, body: ByteBuffer(string: #"{"action":"reset"}"#))
            #expect(reset.json["breaker"] as? String == "closed")
            let bad = try await client.execute(uri: "/admin/plugins/fixture-scripted/breaker", method: .post, body: ByteBuffer(string: #"{"action":"explode"}"#))
            #expect(bad.status == .badRequest)
            let unknown = try await client.execute(uri: "/admin/plugins/nobody/breaker", method: .post, body: ByteBuffer(string: #"{"action":"open"}"#))
            #expect(unknown.status == .notFound)
            #expect(unknown.code == "unknown_plugin")

            #expect(host.router.plugins(for: "Fixture.Other") == [])
            let enable = try await client.execute(uri: "/admin/plugins/fixture-scripted/routes", method: .post, body: ByteBuffer(string: #"{"event":"Fixture.*","enabled":true}"#))
            #expect(enable.status == .ok)
            #expect(enable.json["origin"] as? String == "runtime override")
            #expect(host.router.plugins(for: "Fixture.Other") == ["fixture-scripted"])
            let disable = try await client.execute(uri: "/admin/plugins/fixture-scripted/routes", method: .post, body: ByteBuffer(string: #"{"event":"Fixture.Test","enabled":false}"#))
            #expect(disable.status == .ok)
            #expect(host.router.plugins(for: "Fixture.Test") == [])
            let badPattern = try await client.execute(uri: "/admin/plugins/fixture-scripted/routes", method: .post, body: ByteBuffer(string: #"{"event":"no dots","enabled":true}"#))
            #expect(badPattern.status == .badRequest)
        }
        // Stored: a new host (a restart) gets the same routes once the overrides are applied.
        let restarted = PluginHost(settings: settings, clock: ContinuousClock(), logger: Logger(label: "test"))
        #expect(restarted.router.plugins(for: "Fixture.Other") == [])
        restarted.apply(try await store.overrides().overrides)
        #expect(restarted.router.plugins(for: "Fixture.Other") == ["fixture-scripted"])
        #expect(restarted.router.plugins(for: "Fixture.Test") == [])
        #expect(restarted.router.entries.first?.origin == .runtimeOverride)
        try await host.shutdown()
        try await restarted.shutdown()
    }
}
