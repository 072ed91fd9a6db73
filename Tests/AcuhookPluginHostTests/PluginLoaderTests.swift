import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import Testing

@Suite struct PluginLoaderTests {
    let logger = Logger(label: "test")

    @Test func loadsTheExamplePluginsWithTheirDescriptors() throws {
        let customer = try PluginLoader.load(path: FixturePlugins.path("CustomerSync"), logger: logger)
        #expect(customer.name == "customer-sync")
        #expect(customer.version == "1.1.0")
        #expect(customer.abiMajor == 1 && customer.abiMinor == PluginABI.minor && customer.handlesBatches)
        #expect(customer.subscriptions == ["Customer.*"])
        #expect(customer.threadSafe)
        let orders = try PluginLoader.load(path: FixturePlugins.path("OrderThreshold"), logger: logger)
        #expect(orders.name == "order-threshold" && orders.subscriptions == ["SalesOrder.*"])
        let stock = try PluginLoader.load(path: FixturePlugins.path("StockLog"), logger: logger)
        #expect(stock.name == "stock-log" && stock.subscriptions == ["StockItem.*"])
        let serial = try PluginLoader.load(path: FixturePlugins.path("FixtureSerial"), logger: logger)
        #expect(!serial.threadSafe)
    }

    private func loadError(_ path: String) -> PluginLoadError? {
        do {
            _ = try PluginLoader.load(path: path, logger: logger)
            return nil
        } catch {
            return error
        }
    }

    @Test func missingFile() throws {
        let error = try #require(loadError("/nonexistent/libNothing.so"))
        #expect(error.code == .fileMissing)
        #expect(error.description.contains("/nonexistent/libNothing.so"))
    }

    @Test func notASharedObjectShowsDlerror() throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let path = dir.appendingPathComponent("libText.so").path
        try "not an ELF file".write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(loadError(path))
        #expect(error.code == .notLoadable)
        #expect(error.message.contains("not a loadable shared object"))
        #expect(error.message.contains("libText.so"))  // dlerror() names the file
    }

    @Test func entrySymbolMissing() throws {
        let error = try #require(loadError(FixturePlugins.path("FixtureNoEntry")))
        #expect(error.code == .entrySymbolMissing)
        #expect(error.message.contains("acuhook_plugin_entry"))
    }

    @Test func refusalIsReportedAndThePluginsReasonIsLoggedAgainstItsFile() throws {
        let store = RecordingLogHandler.Store()
        let path = FixturePlugins.path("FixtureRefuses")
        do {
            _ = try PluginLoader.load(path: path, logger: RecordingLogHandler.logger(store))
            Issue.record("expected a refusal")
        } catch {
            #expect(error.code == .refused)
            #expect(error.message.contains("refused to load"))
        }
        let line = try #require(store.all.first { $0.message == "plugin log" })
        #expect(line.level == .error)
        #expect(line.metadata["acuhook.plugin.path"] == path)
        #expect(line.metadata["acuhook.plugin.message"]?.contains("license missing") == true)
    }

    @Test func abiMajorMismatchNamesBothVersions() throws {
        let error = try #require(loadError(FixturePlugins.path("FixtureWrongABI")))
        #expect(error.code == .abiMismatch)
        #expect(error.message.contains("built for plugin ABI 2.0"))
        #expect(error.message.contains("this host speaks ABI 1.1"))
    }

    @Test func descriptorTooSmall() throws {
        let error = try #require(loadError(FixturePlugins.path("FixtureSmallDescriptor")))
        #expect(error.code == .descriptorTooSmall)
        #expect(error.message.contains("descriptor is 16 bytes"))
    }

    @Test func createFailureShowsThePluginsMessage() throws {
        let image = try PluginLoader.load(path: FixturePlugins.path("FixtureScripted"), logger: logger)
        do {
            _ = try PluginInstance(image: image, configJSON: Array(#"{"fail_create":true}"#.utf8), logger: logger)
            Issue.record("create should have failed")
        } catch {
            #expect(error.code == .createFailed)
            #expect(error.message.contains("fixture told to fail in create"))
        }
    }

    @Test func swiftPluginCreateFailureShowsItsError() throws {
        let image = try PluginLoader.load(path: FixturePlugins.path("CustomerSync"), logger: logger)
        do {
            _ = try PluginInstance(image: image, configJSON: Array("{}".utf8), logger: logger)
            Issue.record("create should have failed without config.output")
        } catch {
            #expect(error.code == .createFailed)
            #expect(error.message.contains("customer-sync needs config.output"))
        }
    }

    @Test func hostKeepsLoadingAfterFailuresAndRefusesDuplicateNames() throws {
        let store = RecordingLogHandler.Store()
        var settings = PluginHostSettings()
        settings.plugins = [
            PluginSettings(path: FixturePlugins.path("FixtureScripted")),
            PluginSettings(path: FixturePlugins.path("FixtureWrongABI")),
            PluginSettings(path: "/nonexistent/libGone.so"),
            PluginSettings(path: FixturePlugins.path("FixtureScripted")),
            PluginSettings(path: FixturePlugins.path("StockLog")),
        ]
        let host = PluginHost(settings: settings, clock: ContinuousClock(), logger: RecordingLogHandler.logger(store))
        defer { Task { try? await host.shutdown() } }
        #expect(host.order == ["fixture-scripted", "stock-log"])
        #expect(host.failures.map(\.code) == [.abiMismatch, .fileMissing, .duplicateName])
        #expect(host.failures[2].message.contains("already loaded"))
        let errors = store.all.filter { $0.message == "plugin not loaded; running without it" }
        #expect(errors.map { $0.metadata["acuhook.error.code"] } == ["abi_mismatch", "file_missing", "duplicate_name"])
    }

    @Test func routesFromPluginDefaultsAndConfiguration() throws {
        var settings = PluginHostSettings()
        var stock = PluginSettings(path: FixturePlugins.path("StockLog"))
        stock.disabledEvents = [try EventPattern(parsing: "StockItem.Deleted")]
        var scripted = PluginSettings(path: FixturePlugins.path("FixtureScripted"))
        scripted.events = [try EventPattern(parsing: "*.Deleted")]
        settings.plugins = [stock, scripted]
        let host = PluginHost(settings: settings, clock: ContinuousClock(), logger: logger)
        defer { Task { try? await host.shutdown() } }
        #expect(host.router.plugins(for: "StockItem.Updated") == ["stock-log"])
        #expect(host.router.plugins(for: "StockItem.Deleted") == ["fixture-scripted"])
        #expect(host.router.entries.map(\.origin) == [.pluginDefault, .configuration])
        #expect(host.runners(for: "Customer.Deleted").map(\.image.name) == ["fixture-scripted"])
    }

    @Test func loadsEveryPluginSideBySide() throws {
        var settings = PluginHostSettings()
        let dir = try FixturePlugins.temporaryDirectory()
        var customer = PluginSettings(path: FixturePlugins.path("CustomerSync"))
        customer.configJSON = Array(#"{"output":"\#(dir.path)/c.jsonl"}"#.utf8)
        settings.plugins = [customer, PluginSettings(path: FixturePlugins.path("OrderThreshold")), PluginSettings(path: FixturePlugins.path("StockLog"))]
        let host = PluginHost(settings: settings, clock: ContinuousClock(), logger: logger)
        defer { Task { try? await host.shutdown() } }
        #expect(host.failures.isEmpty)
        #expect(host.order == ["customer-sync", "order-threshold", "stock-log"])
    }
}
