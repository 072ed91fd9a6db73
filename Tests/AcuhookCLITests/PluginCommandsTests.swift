import AcuhookTesting
import Foundation
import Testing

@Suite struct PluginCommandsTests {
    @Test func checkPrintsTheDescriptor() async throws {
        let result = try await acuhook("plugins", "check", FixturePlugins.path("OrderThreshold"))
        #expect(result.status == 0)
        #expect(result.stdout.contains("name:          order-threshold"))
        #expect(result.stdout.contains("abi:           1.1 (host 1.1)"))
        #expect(result.stdout.contains("batch:         (none: one event per call)"))
        #expect(result.stdout.contains("subscriptions: SalesOrder.*"))
        #expect(result.stdout.contains("flags:         thread_safe"))
        let serial = try await acuhook("plugins", "check", FixturePlugins.path("FixtureSerial"))
        #expect(serial.stdout.contains("flags:         (none: calls are serialised)"))
        let batch = try await acuhook("plugins", "check", FixturePlugins.path("FixtureBatch"))
        #expect(batch.stdout.contains("batch:         handle_batch (used with `batch:` in its settings)"))
    }

    @Test func checkFailsWithTheLoadersError() async throws {
        let result = try await acuhook("plugins", "check", FixturePlugins.path("FixtureNoEntry"))
        #expect(result.status == 1)
        #expect(result.stderr.contains("does not export `acuhook_plugin_entry`"))
        #expect(result.stderr.contains("[entry_symbol_missing]"))
    }

    private func writeConfig(_ yaml: String) throws -> String {
        let dir = try FixturePlugins.temporaryDirectory()
        let file = dir.appendingPathComponent("acuhook.yaml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func listShowsEveryPluginAndFailsIfOneDoesNotLoad() async throws {
        let config = try writeConfig(
            """
            plugins:
              - path: \(FixturePlugins.path("StockLog"))
                timeout: 5s
              - path: \(FixturePlugins.path("FixtureSerial"))
                events: ["*.Deleted"]
                isolation: process
                workers: 2
              - path: \(FixturePlugins.path("FixtureWrongABI"))
              - path: \(FixturePlugins.path("FixtureNoop"))
                enabled: false
            """
        )
        let result = try await acuhook("plugins", "list", "--config", config)
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("NAME") == true)
        #expect(lines.contains { $0.hasPrefix("stock-log") && $0.contains("5s") && $0.contains("StockItem.* (plugin default)") && $0.hasSuffix("ok") })
        #expect(lines.contains { $0.hasPrefix("fixture-serial") && $0.contains("1 (serial)") && $0.contains("process ×2") && $0.contains("*.Deleted (config file)") })
        #expect(lines.contains { $0.hasPrefix("stock-log") && $0.contains("in-process") })
        #expect(lines.contains { $0.contains("error:") && $0.contains("[abi_mismatch]") })
        #expect(lines.contains { $0.contains("disabled:") && $0.contains("libFixtureNoop.so") })
    }

    @Test func routesPrintsTheTableForKnownAndGivenTypes() async throws {
        let config = try writeConfig(
            """
            plugins:
              - path: \(FixturePlugins.path("OrderThreshold"))
                disabled_events: [SalesOrder.LargeOrder]
              - path: \(FixturePlugins.path("StockLog"))
              - path: \(FixturePlugins.path("FixtureScripted"))
                events: ["*.Deleted", "*.Cancelled"]
            """
        )
        let known = try await acuhook("routes", "--config", config)
        #expect(known.status == 0)
        let rows = known.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(rows.contains("SalesOrder.Cancelled order-threshold [plugin default], fixture-scripted [config file]"))
        #expect(rows.contains("SalesOrder.LargeOrder (none)"))
        #expect(rows.contains("StockItem.Deleted stock-log [plugin default], fixture-scripted [config file]"))
        #expect(rows.contains("Customer.Updated (none)"))

        let given = try await acuhook("routes", "--config", config, "--event", "Vendor.Deleted")
        #expect(given.stdout.contains("Vendor.Deleted"))
        #expect(given.stdout.contains("fixture-scripted [config file]"))
        #expect(!given.stdout.contains("Customer.Updated"))

        let bad = try await acuhook("routes", "--config", config, "--event", "nonsense")
        #expect(bad.status != 0 && bad.stderr.contains("not an event type"))
    }

    @Test func configurationErrorsAreReportedWithTheirPlace() async throws {
        let config = try writeConfig("plugins:\n  - path: /x/libX.so\n    timeout: never\n")
        let result = try await acuhook("plugins", "list", "--config", config)
        #expect(result.status != 0)
        #expect(result.stderr.contains("acuhook.yaml:3:14: plugins[0].timeout: expected a positive duration"))
    }

    @Test func routesWithoutAConfigurationUseServesDefaults() async throws {
        let empty = try FixturePlugins.temporaryDirectory()
        let routes = try await acuhook("routes", "--event", "StockItem.Updated", "--event", "Customer.Updated", in: empty)
        #expect(routes.status == 0, "\(routes.stderr)")
        #expect(routes.stdout.contains("StockItem.Updated  stock-log [plugin default]"))
        #expect(routes.stdout.contains("customer-sync"))
        // Nothing was created: no secret, no store.
        #expect(!FileManager.default.fileExists(atPath: empty.appendingPathComponent("acuhook-data/secret").path))
    }
}
