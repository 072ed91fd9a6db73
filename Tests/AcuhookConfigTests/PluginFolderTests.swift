import AcuhookConfig
import AcuhookCore
import AcuhookTesting
import Foundation
import Testing

/// The drop-in plugins folder: which files are plugins, their sidecars, and when a file has
/// settled.
@Suite struct PluginFolderTests {
    private func folder(_ files: [String: String]) throws -> PluginFolder {
        let directory = try FixturePlugins.temporaryDirectory()
        for (name, text) in files { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return PluginFolder(directory: directory.path)
    }

    @Test func everyLibSoIsAPluginWithItsSidecarsSettings() throws {
        let folder = try folder([
            "libA.so": "a", "libB.so": "b", "notes.txt": "x", "plugin.so": "not lib*", "libA.yaml": """
                config: {url: "https://example.com"}
                events: ["Customer.*"]
                timeout: 2s
                isolation: process
                """,
        ])
        let listed = try folder.list()
        #expect(Set(listed.keys) == ["libA.so", "libB.so", "libA.yaml"])
        let (plugins, problems) = folder.plugins(listed.keys)
        #expect(problems.isEmpty)
        #expect(plugins.map(\.path) == [folder.directory + "/libA.so", folder.directory + "/libB.so"])
        #expect(plugins.allSatisfy { $0.origin == .folder })
        #expect(plugins[0].configJSON == Array(#"{"url":"https://example.com"}"#.utf8))
        #expect(plugins[0].events == [try EventPattern(parsing: "Customer.*")])
        #expect(plugins[0].timeout == .seconds(2) && plugins[0].isolation == .process)
        #expect(plugins[1].events == nil && plugins[1].isolation == .inProcess)
    }

    @Test func aBadSidecarLeavesOnlyItsPluginOut() throws {
        let folder = try folder(["libA.so": "a", "libA.yaml": "colour: blue\n", "libB.so": "b", "libC.so": "c", "libC.yaml": "path: /elsewhere.so\n"])
        let (plugins, problems) = folder.plugins(try folder.list().keys)
        #expect(plugins.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["libB.so"])
        #expect(problems.count == 2)
        #expect(problems[0].file.hasSuffix("libA.so") && problems[0].message.contains("unknown key 'colour'"))
        #expect(problems[1].message.contains("unknown key 'path'"))
    }

    @Test func aFolderThatDoesNotExistIsAClearError() {
        #expect(throws: ConfigurationError.self) { try PluginFolder(directory: "/nonexistent/plugins").list() }
        do {
            _ = try PluginFolder(directory: "/nonexistent/plugins").list()
        } catch {
            #expect(error.description == "/nonexistent/plugins: plugin_host.directory: the plugins folder does not exist (create it, or fix plugin_host.directory)")
        }
    }

    @Test func aFileCountsOnceTwoLooksAgree() {
        typealias Stamp = FileStamp
        var settled = SettledFiles()
        #expect(settled.observe(["libA.so": Stamp(size: 10, modified: 1)]).isEmpty)  // first look: still maybe copying
        #expect(settled.observe(["libA.so": Stamp(size: 20, modified: 2)]).isEmpty)  // grew: still copying
        #expect(settled.observe(["libA.so": Stamp(size: 20, modified: 2)]) == ["libA.so": Stamp(size: 20, modified: 2)])
        // Replaced in place: the settled version stays until the new one settles.
        #expect(settled.observe(["libA.so": Stamp(size: 5, modified: 3)]) == ["libA.so": Stamp(size: 20, modified: 2)])
        #expect(settled.observe(["libA.so": Stamp(size: 9, modified: 4)]) == ["libA.so": Stamp(size: 20, modified: 2)])
        #expect(settled.observe(["libA.so": Stamp(size: 9, modified: 4)]) == ["libA.so": Stamp(size: 9, modified: 4)])
        // Removed: gone at once.
        #expect(settled.observe([:]).isEmpty)
    }
}
