import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import Testing

/// Reloading plugins: kept, replaced (settings or file changed), refused (keeps the old ones).
@Suite struct PluginHostReloadTests {
    func settings(_ path: String, config: String = "{}") -> PluginHostSettings {
        var plugin = PluginSettings(path: path)
        plugin.events = [.prefix("Fixture.")]
        plugin.configJSON = Array(config.utf8)
        var settings = PluginHostSettings()
        settings.plugins = [plugin]
        return settings
    }

    func identity(_ runner: (any PluginRunner)?) -> ObjectIdentifier? { runner.map { ObjectIdentifier($0 as AnyObject) } }

    @Test func unchangedPluginsAreKeptChangedOnesReplacedAndAFailedReloadChangesNothing() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let path = dir.appendingPathComponent("libMyPlugin.so").path
        try FileManager.default.copyItem(atPath: FixturePlugins.path("FixtureScripted"), toPath: path)
        let copies = dir.appendingPathComponent("copies")
        let host = PluginHost(settings: settings(path), clock: ContinuousClock(), logger: Logger(label: "test"))
        let first = identity(host.runners["fixture-scripted"])
        #expect(first != nil)

        let same = await host.reload(settings(path), copiesDirectory: copies)
        #expect(same.applied && same.kept == ["fixture-scripted"] && same.replaced.isEmpty)
        #expect(identity(host.runners["fixture-scripted"]) == first)

        // Settings changed: a new instance from the same image.
        let reconfigured = await host.reload(settings(path, config: #"{"tuned":true}"#), copiesDirectory: copies)
        #expect(reconfigured.applied && reconfigured.replaced == ["fixture-scripted"])
        let second = identity(host.runners["fixture-scripted"])
        #expect(second != first)
        #expect(host.runners["fixture-scripted"]?.image.path == path)

        // The file changed (a rebuild): loaded from a fresh copy, so dlopen maps the new file.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("rebuilt".utf8))
        try handle.close()
        let rebuilt = await host.reload(settings(path, config: #"{"tuned":true}"#), copiesDirectory: copies)
        #expect(rebuilt.applied && rebuilt.replaced == ["fixture-scripted"])
        let copied = try #require(host.runners["fixture-scripted"]?.image.path)
        #expect(copied.hasPrefix(copies.path) && copied.hasSuffix("-libMyPlugin.so"))
        let result = await host.runners["fixture-scripted"]!.run(seedEvent(type: "Fixture.Test", entityId: "ok"), attempt: 1)
        #expect(result.outcome == .ok)
        // Reloading the same rebuilt file again keeps it (its copy is reused, not copied again).
        let again = await host.reload(settings(path, config: #"{"tuned":true}"#), copiesDirectory: copies)
        #expect(again.kept == ["fixture-scripted"])
        let current = identity(host.runners["fixture-scripted"])

        // A reload with a plugin that cannot load is refused: everything stays as it was.
        var broken = settings(path, config: #"{"tuned":true}"#)
        broken.plugins.append(PluginSettings(path: FixturePlugins.path("FixtureWrongABI")))
        let refused = await host.reload(broken, copiesDirectory: copies)
        #expect(!refused.applied)
        #expect(refused.errors.contains { $0.contains("ABI") })
        #expect(identity(host.runners["fixture-scripted"]) == current)
        #expect(host.order == ["fixture-scripted"])
        var refuses = settings(path)
        refuses.plugins[0].configJSON = Array(#"{"fail_create":true}"#.utf8)
        let createFails = await host.reload(refuses, copiesDirectory: copies)
        #expect(!createFails.applied && identity(host.runners["fixture-scripted"]) == current)

        // Removed from the configuration: gone after the reload, routes too.
        let emptied = await host.reload(PluginHostSettings(), copiesDirectory: copies)
        #expect(emptied.applied && emptied.removed == ["fixture-scripted"])
        #expect(host.runners.isEmpty && host.router.plugins(for: "Fixture.Test").isEmpty)
        try await host.shutdown()
    }

    /// A plugins-folder file that cannot be used is left out and reported; the rest switch. A
    /// plugin named both in the configuration file and in the folder names both places.
    @Test func aBadFolderPluginIsLeftOutAndTheRestSwitch() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let host = PluginHost(settings: settings(FixturePlugins.path("FixtureScripted")), clock: ContinuousClock(), logger: Logger(label: "test"))
        var next = settings(FixturePlugins.path("FixtureScripted"))
        for fixture in ["FixtureWrongABI", "FixtureScripted", "FixtureNoop"] {
            let copy = dir.appendingPathComponent("lib\(fixture)Dropped.so").path
            try FileManager.default.copyItem(atPath: FixturePlugins.path(fixture), toPath: copy)
            var dropped = PluginSettings(path: copy)
            dropped.origin = .folder
            next.plugins.append(dropped)
        }
        let report = await host.reload(next, copiesDirectory: dir.appendingPathComponent("copies"))
        #expect(report.applied && report.errors.isEmpty)
        #expect(report.added == ["fixture-noop"] && report.kept == ["fixture-scripted"])
        #expect(report.leftOut.count == 2)
        #expect(report.leftOut[0].contains("libFixtureWrongABIDropped.so") && report.leftOut[0].contains("[abi_mismatch]"))
        #expect(report.leftOut[1].contains(
            "a plugin named 'fixture-scripted' is named both in the configuration file (\(FixturePlugins.path("FixtureScripted"))) and in the plugins folder (\(dir.path)/libFixtureScriptedDropped.so): remove one of them"
        ))
        #expect(Set(host.order) == ["fixture-scripted", "fixture-noop"])
        #expect(host.failures.count == 2)
        try await host.shutdown()
    }
}
