import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import Testing

@Suite struct PluginTemplateTests {
    /// The template's copies of the ABI header, the JSON reader and the plugin kit must equal the host's.
    @Test func templateCopiesOfTheHeaderAndKitAreIdenticalToTheHosts() async throws {
        let pairs = [
            ("Sources/CAcuhookPlugin/include", "PluginTemplate/Sources/CAcuhookPlugin/include"),
            ("Sources/AcuhookJSON", "PluginTemplate/Sources/AcuhookJSON"),
            ("Sources/AcuhookPluginKit", "PluginTemplate/Sources/AcuhookPluginKit"),
        ]
        for (host, template) in pairs {
            let hostFiles = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent(host).path).sorted()
            let templateFiles = try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent(template).path).sorted()
            #expect(hostFiles == templateFiles, "\(template) must hold the same files as \(host)")
            for file in hostFiles {
                let a = try Data(contentsOf: packageRoot.appendingPathComponent(host).appendingPathComponent(file))
                let b = try Data(contentsOf: packageRoot.appendingPathComponent(template).appendingPathComponent(file))
                #expect(a == b, "\(template)/\(file) differs from \(host)/\(file): copy it over")
            }
        }
    }

    @Test func newPluginRefusesBadNamesAndNonEmptyFolders() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let bad = try await acuhook("new-plugin", "9lives", "--output", dir.appendingPathComponent("x").path)
        #expect(bad.status != 0 && bad.stderr.contains("not a usable plugin name"))
        try "x".write(to: dir.appendingPathComponent("file"), atomically: true, encoding: .utf8)
        let busy = try await acuhook("new-plugin", "ok-name", "--output", dir.path, "--template", packageRoot.appendingPathComponent("PluginTemplate").path)
        #expect(busy.status != 0 && busy.stderr.contains("is not empty"))
    }

    /// `acuhook new-plugin`, then `swift build -c release` in the copy alone, then a real load
    /// and call in the host.
    @Test(.timeLimit(.minutes(10)))
    func aPluginBuiltFromTheTemplateLoadsAndHandlesEvents() async throws {
        let output = try FixturePlugins.temporaryDirectory().appendingPathComponent("inventory-sync")
        let created = try await acuhook("new-plugin", "inventory-sync", "--output", output.path, "--template", packageRoot.appendingPathComponent("PluginTemplate").path)
        #expect(created.status == 0, "\(created.stderr)")
        let source = try String(contentsOf: output.appendingPathComponent("Sources/InventorySync/InventorySync.swift"), encoding: .utf8)
        #expect(source.contains("final class InventorySync") && source.contains(#"name: "inventory-sync""#))

        let swift = ProcessInfo.processInfo.environment["SWIFT_EXEC_FOR_TESTS"] ?? "/usr/bin/env"
        let arguments = swift == "/usr/bin/env" ? ["swift", "build", "-c", "release"] : ["build", "-c", "release"]
        let build = try await runCommand(swift, arguments, in: output)
        try #require(build.status == 0, "template build failed:\n\(build.stdout)\n\(build.stderr)")

        let library = output.appendingPathComponent(".build/release/libInventorySync.so").path
        let logger = Logger(label: "test")
        let image = try PluginLoader.load(path: library, logger: logger)
        #expect(image.name == "inventory-sync" && image.version == "0.1.0" && image.threadSafe)
        #expect(image.subscriptions == ["Customer.*", "SalesOrder.*"])
        let plugin = try PluginInstance(image: image, configJSON: Array(#"{"greeting":"synced"}"#.utf8), logger: logger)
        let event = PluginEvent(eventType: "Customer.Updated", entityId: "CUST001", json: Array(#"{"data":{"CustomerID":{"value":"C042"},"B":2}}"#.utf8))
        let result = plugin.invoke(event, attempt: 1)
        #expect(result.outcome == .ok)
        #expect(result.output.map { String(decoding: $0, as: UTF8.self) } == "synced: Customer.Updated for C042")
        let bare = plugin.invoke(PluginEvent(eventType: "Customer.Updated", entityId: "CUST002", json: Array("{}".utf8)), attempt: 1)
        #expect(bare.output.map { String(decoding: $0, as: UTF8.self) } == "synced: Customer.Updated for CUST002")
    }
}
