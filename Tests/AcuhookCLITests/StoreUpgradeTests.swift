import AcuhookCore
import AcuhookSQLite
import AcuhookStore
import AcuhookTesting
import Foundation
import Logging
import Testing

/// Upgrades keep everything: every store a release left behind (`Tests/Fixtures/stores/`, written
/// by its `make_store.py`) opened by this build. Keep a fixture for every release whose schema a
/// later one changes.
@Suite(.serialized) struct StoreUpgradeTests {
    /// `Tests/Fixtures/stores/acuhook-<version>.db`.
    static let fixtures: [String] = {
        let folder = packageRoot.appendingPathComponent("Tests/Fixtures/stores")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasPrefix("acuhook-") && $0.hasSuffix(".db") }.sorted().map { folder.appendingPathComponent($0).path }
    }()

    @Test func thereIsAStoreOfTheFirstRelease() {
        #expect(Self.fixtures.contains { $0.hasSuffix("acuhook-0.1.0.db") })
    }

    @Test(arguments: fixtures)
    func aStoreOfAnEarlierReleaseKeepsItsJobsDeadLettersAndOverridesAndHeldJobsRunOnceReleased(fixture: String) async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        let copy = dir.appendingPathComponent("data/inbox.db").path
        try FileManager.default.copyItem(atPath: fixture, toPath: copy)

        // Opened by this build (its schema steps applied): all of it is there.
        do {
            let store = try SQLiteEventStore(configuration: .init(path: copy), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            let summary = try await store.queueSummary()
            #expect(summary.jobs[.pending] == 3 && summary.earliestDueByPlugin.keys.sorted() == ["stock-log"])
            let dead = try await store.deadLetters(DeadLetterFilter(), limit: 10)
            #expect(dead.map(\.plugin) == ["order-threshold"] && dead.first?.event.event.entityId == "SO-BAD")
            let overrides = Set(try await store.overrides().overrides)
            #expect(overrides.contains(.breaker(plugin: "stock-log", state: .open)))
            #expect(overrides.contains(.route(plugin: "customer-sync", pattern: "Customer.Deleted", enabled: false)))
        }

        // Served by this build: the held jobs stay held; released, each runs once.
        let output = dir.appendingPathComponent("stock.tsv")
        let config = try FixturePlugins.writeConfiguration(
            in: dir,
            """
            dispatch: {idle_poll: 50ms}
            plugins:
              - path: \(FixturePlugins.path("StockLog"))
                config: {path: \(output.path)}
              - path: \(FixturePlugins.path("OrderThreshold"))
                config: {order_total: 1000}
              - path: \(FixturePlugins.path("CustomerSync"))
                config: {output: \(dir.path)/customers.jsonl}
            """
        )
        let server = try await ServeCommandTests.Server.start(arguments: ["--config", config.path], in: dir)
        let routes = try await acuhook("routes", "--config", config.path, "--event", "Customer.Deleted")
        #expect(routes.stdout.contains("Customer.Deleted  (none)"), "the route override was lost: \(routes.stdout)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(Self.lines(output).isEmpty, "a held job ran")
        let reset = try await acuhook("breaker", "reset", "stock-log", "--config", config.path)
        #expect(reset.status == 0, "\(reset.stderr)")
        let deadline = ContinuousClock.now + .seconds(30)
        while Self.lines(output).count < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        try await Task.sleep(for: .milliseconds(500))
        let ran = Self.lines(output)
        #expect(ran.count == 3, "\(ran)")
        #expect(Set(ran.compactMap { $0.split(separator: "\t").dropFirst(3).first.map(String.init) }) == ["ITEM-1", "ITEM-2", "ITEM-3"], "\(ran)")
        let dlq = try await acuhook("dlq", "list", "--config", config.path)
        #expect(dlq.stdout.contains("SO-BAD"), "\(dlq.stdout)")
        #expect(await server.stop() == 0)
    }

    private static func lines(_ file: URL) -> [String] {
        ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}
