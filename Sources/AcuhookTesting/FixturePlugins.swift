import Foundation

/// Finds the plugin libraries the tests load: the example plugins built from `Plugins/` next to
/// the running test binary, and the misbehaving fixtures built by their own package in
/// `Tests/Fixtures` (`scripts/test.sh` builds both).
public enum FixturePlugins {
    /// The build folder: `$ACUHOOK_PLUGIN_DIR` if set, else the folder of the running executable
    /// (SwiftPM puts the test runner and every `lib<Name>.so` product in the same folder).
    public static var directory: URL {
        if let dir = ProcessInfo.processInfo.environment["ACUHOOK_PLUGIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = executable.deletingLastPathComponent()
        // On macOS the runner sits inside an .xctest bundle.
        while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir
    }

    /// The build folder of the fixtures package (`Tests/Fixtures`), in the running binary's
    /// configuration (debug or release); `$ACUHOOK_FIXTURE_DIR` if set.
    public static var fixtureDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["ACUHOOK_FIXTURE_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        // This file is <package>/Sources/AcuhookTesting/FixturePlugins.swift.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.appendingPathComponent("Tests/Fixtures/.build").appendingPathComponent(directory.lastPathComponent)
    }

    /// The path of `lib<product>.so`: a fixture (`path("FixtureScripted")`) from the fixtures
    /// package, anything else (`path("CustomerSync")`) from the package's own build folder.
    public static func path(_ product: String) -> String {
        let folder = product.hasPrefix("Fixture") ? fixtureDirectory : directory
        return folder.appendingPathComponent("lib\(product).so").path
    }

    /// The `acuhook` executable built alongside.
    public static var acuhookExecutable: String {
        directory.appendingPathComponent("acuhook").path
    }

    /// A fresh, empty temporary folder.
    public static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("acuhook-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
