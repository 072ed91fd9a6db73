import AcuhookCore
import AcuhookSQLite
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import Testing

/// `acuhook store backup` / `restore` on SQLite: consistent while writing, never over a store in use.
@Suite struct SQLiteStoreFileTests {
    let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    private func delivery(_ index: Int) -> Delivery {
        let body = Array(#"{"eventType":"Customer.Updated"}"#.utf8)
        let event = InboundEvent(eventType: "Customer.Updated", entityType: "Customer", entityId: "C\(index)", tenant: "T", orderingKey: "", json: body, plugins: ["p"])
        return Delivery(
            source: "s", idempotencyKey: "k\(index)", idempotencyKeyOrigin: "test", format: .guide, receivedAtUnixMilliseconds: 1_000,
            body: body, headers: [], clientAddress: "-", events: [event]
        )
    }

    /// Pending jobs in the store at `path`, opened by this build.
    private func pending(_ path: String) async throws -> Int {
        try await SQLiteEventStore(configuration: .init(path: path), logger: logger).queueSummary().jobs[.pending] ?? 0
    }

    @Test func aBackupTakenWhileDeliveriesAreWrittenIsWholeAndUsable() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let path = dir.appendingPathComponent("data/acuhook.db").path
        let store = try SQLiteEventStore(configuration: .init(path: path), logger: logger)
        for index in 0..<50 { _ = try await store.accept(delivery(index), keepKeyFor: .seconds(60)) }
        let writer = Task {
            for index in 50..<400 { _ = try await store.accept(delivery(index), keepKeyFor: .seconds(60)) }
        }
        try await Task.sleep(for: .milliseconds(20))
        let backup = dir.appendingPathComponent("backup.db").path
        let report = try SQLiteStoreFile.backup(store: path, to: backup)
        try await writer.value
        #expect(report.bytes > 0 && report.previous == nil)
        #expect(!FileManager.default.fileExists(atPath: backup + "-wal"), "one self-contained file")
        let copied = try await pending(backup)
        #expect((50...400).contains(copied), "\(copied) jobs: one moment of the store")
        #expect(throws: StoreError.self) { try SQLiteStoreFile.backup(store: path, to: backup) }
    }

    @Test func restoreIsRefusedWhileTheStoreIsOpenAndKeepsTheStoreItReplaces() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let (source, backup, target) = (dir.appendingPathComponent("a.db").path, dir.appendingPathComponent("backup.db").path, dir.appendingPathComponent("b.db").path)
        let store = try SQLiteEventStore(configuration: .init(path: source), logger: logger)
        for index in 0..<3 { _ = try await store.accept(delivery(index), keepKeyFor: .seconds(60)) }
        _ = try SQLiteStoreFile.backup(store: source, to: backup)
        // The source store is open (in this process, as `acuhook serve` would hold it): refused.
        #expect {
            try SQLiteStoreFile.restore(from: backup, to: source)
        } throws: { error in
            "\(error)".contains("is open in another process")
        }
        // A store file nobody has open (a copy), replaced: the old one is kept aside.
        _ = try SQLiteStoreFile.backup(store: source, to: target)
        let report = try SQLiteStoreFile.restore(from: backup, to: target, now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(report.previous == target + ".before-restore-20270115T080000")
        #expect(FileManager.default.fileExists(atPath: report.previous ?? ""))
        #expect(try await pending(target) == 3)
    }

    @Test func restoreRefusesWhatIsNotAnIntactAcuhookStore() throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let garbage = dir.appendingPathComponent("garbage.db").path
        FileManager.default.createFile(atPath: garbage, contents: Data(repeating: 7, count: 8192))
        let target = dir.appendingPathComponent("store.db").path
        #expect(throws: StoreError.self) { try SQLiteStoreFile.restore(from: garbage, to: target) }
        #expect(!FileManager.default.fileExists(atPath: target), "nothing was put in place")
        #expect(throws: StoreError.self) { try SQLiteStoreFile.restore(from: dir.appendingPathComponent("none.db").path, to: target) }
    }

    @Test func probeSaysWhatServeWouldFindWithoutChangingIt() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let path = dir.appendingPathComponent("data/acuhook.db").path
        #expect(try SQLiteStoreFile.probe(store: path).contains("will be created at first start"))
        #expect(!FileManager.default.fileExists(atPath: path))
        _ = try SQLiteEventStore(configuration: .init(path: path), logger: logger)
        #expect(try SQLiteStoreFile.probe(store: path).contains("writable"))
        // Under a file, not a folder: it could never be created.
        #expect(throws: StoreError.self) { try SQLiteStoreFile.probe(store: path + "/inside/acuhook.db") }
    }
}
