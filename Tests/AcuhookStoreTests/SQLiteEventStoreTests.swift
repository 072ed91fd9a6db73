import AcuhookCore
import AcuhookSQLite
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import Testing

/// What only the SQLite store has: a file (the shared contract is in *ContractTests).
@Suite struct SQLiteEventStoreTests {
    @Test func theStoreSectionGivesTheFileAndItsLimits() {
        var settings = StoreSettings()
        settings.path = "/var/lib/acuhook/acuhook.db"
        settings.synchronous = .normal
        settings.maxSizeBytes = 1 << 20
        settings.commitDelay = .zero
        let configuration = SQLiteEventStore.Configuration(settings)
        #expect(configuration.path == settings.path && configuration.synchronous == .normal)
        #expect(configuration.maxSizeBytes == 1 << 20 && configuration.commitDelay == .zero)
        #expect(SQLiteEventStore.Configuration(StoreSettings()).synchronous == .full)
    }

    @Test func unwritableLocationIsAClearError() {
        #expect(throws: StoreError.self) {
            try SQLiteEventStore(configuration: .init(path: "/proc/acuhook/cannot/acuhook.db"), logger: Logger(label: "test"))
        }
    }
}

@Suite struct WriteAheadLogTests {
    /// The WAL starts over after each automatic checkpoint and is truncated to its limit then.
    @Test func theWALStaysBoundedUnderASteadyWriteLoad() async throws {
        let path = try FixturePlugins.temporaryDirectory().appendingPathComponent("acuhook.db").path
        var configuration = SQLiteEventStore.Configuration(path: path)
        configuration.checkpointPages = 64
        configuration.walSizeLimitBytes = 512 << 10
        configuration.synchronous = .normal
        // The writer's own checkpoint alone bounds the WAL. (A background checkpoint running at
        // the same moment makes it skip with SQLITE_BUSY and retry on a later commit: on a
        // loaded machine that once let this WAL pass the bound below.)
        configuration.backgroundCheckpointInterval = nil
        let store = try SQLiteEventStore(configuration: configuration, logger: Logger(label: "test"))
        let body = Array(String(repeating: "x", count: 4000).utf8)
        var largest = 0
        for index in 0..<600 {
            let event = InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: "C\(index)", tenant: "T", orderingKey: "", json: body, plugins: ["p"])
            let delivery = Delivery(
                source: "s", idempotencyKey: "k\(index)", idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: 1_000,
                body: body, headers: [], clientAddress: "-", events: [event]
            )
            _ = try await store.accept(delivery, keepKeyFor: .seconds(60))
            let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
            largest = max(largest, size)
        }
        // ~5 MB were written; the WAL never grew much past one checkpoint's worth of pages.
        #expect(largest < 2 << 20, "largest WAL: \(largest) bytes")
        #expect(try await store.count("events") == 600)
    }
}
