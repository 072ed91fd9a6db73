import Foundation

/// Finds the plugin libraries built from `Plugins/` next to the running test binary.
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

    /// The path of `lib<product>.so` (e.g. `path("FixtureScripted")`).
    public static func path(_ product: String) -> String {
        directory.appendingPathComponent("lib\(product).so").path
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
