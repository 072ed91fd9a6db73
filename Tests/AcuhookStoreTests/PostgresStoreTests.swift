import AcuhookCore
import AcuhookPostgres
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

/// What only the PostgreSQL store has: a server to reach, credentials, migrations shared by
/// instances. Runs against the test run's throwaway cluster (scripts/test.sh).
@Suite(.enabled(if: StoreBackend.postgresURL != nil, "no test database: scripts/test.sh starts one (ACUHOOK_TEST_DATABASE_URL)"))
struct PostgresStoreTests {
    func settings() throws -> PostgresSettings { try #require(try StoreBackend.postgres.place().postgres) }

    @Test func anUnreachableServerAtStartIsAClearErrorNamingIt() async throws {
        // A port nothing listens on (bound, then closed).
        var settings = try settings()
        settings.port = try FreePort.take()
        settings.connectTimeout = .seconds(3)
        let error = await #expect(throws: StoreError.self) { try await PostgresEventStore.open(settings, logger: Logger(label: "test")) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("127.0.0.1:\(settings.port)") == true, "\(String(describing: error))")
    }

    @Test func aWrongPasswordIsRefusedSayingWhatToCheck() async throws {
        var settings = try settings()
        settings.username = "acuhook_pw"
        settings.password = "wrong-password"
        let error = await #expect(throws: StoreError.self) { try await PostgresEventStore.open(settings, logger: Logger(label: "test")) }
        #expect(error?.code == .invalid)
        #expect(error?.message.contains("refused the login of role 'acuhook_pw'") == true, "\(String(describing: error))")
        #expect(error?.message.contains("check the user and password in store.url") == true)
        #expect(error?.description.contains("wrong-password") == false, "the password never appears in a message")
    }

    @Test func aSchemaNewerThanThisBinaryIsRefusedAndLeftAlone() async throws {
        let settings = try settings()
        let store = try await PostgresEventStore.open(settings, logger: Logger(label: "test"))
        try await store.client.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')")
        await store.close()
        let error = await #expect(throws: StoreError.self) { try await PostgresEventStore.open(settings, logger: Logger(label: "test")) }
        #expect(error?.code == .invalid)
        #expect(error?.message.contains("schema is version 999, newer than this acuhook knows") == true, "\(String(describing: error))")
    }

    @Test func newJobsCommittedByOneInstanceWakeTheOthers() async throws {
        let settings = try settings()
        let (one, other) = (try await PostgresEventStore.open(settings, logger: Logger(label: "test")), try await PostgresEventStore.open(settings, logger: Logger(label: "test")))
        let hints = Mutex(0)
        other.onNewJobs { hints.withLock { $0 += 1 } }
        // The listener connects in the background: deliver until a hint arrives (at most 5 s).
        let event = InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: "C1", tenant: "", orderingKey: "", json: Array("{}".utf8), plugins: ["p"])
        for index in 0..<50 where hints.withLock({ $0 }) == 0 {
            _ = try await one.accept(
                Delivery(source: "s", idempotencyKey: "k\(index)", idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: 1_000, body: [], headers: [], clientAddress: "-", events: [event]),
                keepKeyFor: .seconds(60)
            )
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(hints.withLock { $0 } > 0)
        // A delivery without jobs announces nothing.
        let before = hints.withLock { $0 }
        _ = try await one.accept(
            Delivery(source: "s", idempotencyKey: "no-jobs", idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: 1_000, body: [], headers: [], clientAddress: "-", events: []),
            keepKeyFor: .seconds(60)
        )
        try await Task.sleep(for: .milliseconds(300))
        #expect(hints.withLock { $0 } == before)
        await one.close()
        await other.close()
    }

    @Test func instancesStartingTogetherMigrateOnce() async throws {
        let settings = try settings()
        let stores = try await withThrowingTaskGroup(of: PostgresEventStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresEventStore.open(settings, logger: Logger(label: "test")) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var versions: [Int] = []
        for try await version in try await stores[0].client.query("SELECT version FROM schema_migrations ORDER BY version").decode(Int.self) { versions.append(version) }
        #expect(versions == [1, 2])
        for store in stores { await store.close() }
    }
}

/// Reading `store.url` (no server needed).
@Suite struct PostgresSettingsTests {
    @Test func aURLIsReadWithItsOptionsAndShownWithoutItsPassword() throws {
        let settings = try PostgresSettings(url: "postgres://app:s%40cret@db.internal:6432/orders?sslmode=require&schema=acuhook_eu&pool_size=20")
        #expect(settings.host == "db.internal" && settings.port == 6432 && settings.username == "app" && settings.password == "s@cret")
        #expect(settings.database == "orders" && settings.schema == "acuhook_eu" && settings.tls == .require && settings.poolSize == 20)
        #expect(settings.displayURL == "postgres://app:***@db.internal:6432/orders?schema=acuhook_eu")
        #expect(throws: PostgresURLError.self) { try PostgresSettings(url: "mysql://app@db/orders") }
        #expect(throws: PostgresURLError.self) { try PostgresSettings(url: "postgres://db.internal/orders") }
        #expect(throws: PostgresURLError.self) { try PostgresSettings(url: "postgres://app@db/orders?schema=Robert');DROP") }
        #expect(throws: PostgresURLError.self) { try PostgresSettings(url: "postgres://app@db/orders?sslmode=sometimes") }
    }
}

/// Losing the database while running: calls fail within the operation timeout (the receiver
/// answers 503), and the pool reconnects by itself once the database is back.
@Suite(.enabled(if: StoreBackend.postgresURL != nil, "no test database: scripts/test.sh starts one (ACUHOOK_TEST_DATABASE_URL)"))
struct PostgresOutageTests {
    /// A store on a fresh schema reached through a proxy, with a 2 s operation timeout.
    func openBehindProxy() async throws -> (PostgresEventStore, TCPProxy) {
        var settings = try #require(try StoreBackend.postgres.place().postgres)
        let proxy = try TCPProxy(targetHost: settings.host, targetPort: settings.port)
        try proxy.start()
        settings.host = "127.0.0.1"
        settings.port = proxy.port
        settings.operationTimeout = .seconds(2)
        return (try await PostgresEventStore.open(settings, logger: Logger(label: "test")), proxy)
    }

    /// An empty delivery with the key `key`.
    func delivery(_ key: String) -> Delivery {
        Delivery(source: "s", idempotencyKey: key, idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: 1_000, body: Array("{}".utf8), headers: [], clientAddress: "-", events: [])
    }

    @Test func aLostDatabaseFailsCallsPromptlyAndTheStoreRecoversByItself() async throws {
        let (store, proxy) = try await openBehindProxy()
        guard case .accepted = try await store.accept(delivery("before"), keepKeyFor: .seconds(60)) else {
            Issue.record("not accepted while the database was there")
            return
        }
        await proxy.stop()
        let started = ContinuousClock.now
        let error = await #expect(throws: StoreError.self) { try await store.accept(delivery("during"), keepKeyFor: .seconds(60)) }
        #expect(error?.code == .unavailable)
        #expect(ContinuousClock.now - started < .seconds(10), "a lost database must not hang the receiver")
        try proxy.start()
        // Back: within a few tries the pool has a live connection again.
        var recovered = false
        for _ in 0..<40 where !recovered {
            if case .accepted? = try? await store.accept(delivery("after"), keepKeyFor: .seconds(60)) { recovered = true } else { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(recovered)
        #expect(try await store.count("deliveries") == 2)
        await store.close()
        await proxy.stop()
    }

    @Test func aDatabaseThatStopsAnsweringFailsTheBatchInTimeAndTheWriterCarriesOn() async throws {
        let (store, proxy) = try await openBehindProxy()
        guard case .accepted = try await store.accept(delivery("before"), keepKeyFor: .seconds(60)) else {
            Issue.record("not accepted while the database answered")
            return
        }
        // Connections stay open but nothing comes back: the statement on the writer's
        // connection hangs until the watchdog closes that connection.
        proxy.freeze()
        let started = ContinuousClock.now
        let error = await #expect(throws: StoreError.self) { try await store.accept(delivery("during"), keepKeyFor: .seconds(60)) }
        #expect(error?.code == .unavailable)
        #expect(ContinuousClock.now - started < .seconds(10), "a hung database must not hang the receiver")
        proxy.thaw()
        // The sender resends what was answered 503: stored once whether or not the hung statement committed.
        var resent: AcceptResult?
        for _ in 0..<40 where resent == nil {
            resent = try? await store.accept(delivery("during"), keepKeyFor: .seconds(60))
            if resent == nil { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(resent != nil, "the writer did not recover")
        guard case .duplicate? = try? await store.accept(delivery("during"), keepKeyFor: .seconds(60)) else {
            Issue.record("a second resend was not a duplicate")
            return
        }
        guard case .accepted? = try? await store.accept(delivery("after"), keepKeyFor: .seconds(60)) else {
            Issue.record("not accepted after the database answered again")
            return
        }
        #expect(try await store.count("deliveries") == 3)
        await store.close()
        await proxy.stop()
    }
}
