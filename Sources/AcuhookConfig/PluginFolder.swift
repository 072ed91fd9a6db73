import AcuhookCore
import Foundation
import Yams

/// The drop-in plugins folder (`plugin_host.directory`): every `lib*.so` in it is a plugin,
/// subscribed to its own default subscriptions, with optional settings in a sidecar of the same
/// base name (`libInventorySync.yaml` beside `libInventorySync.so`) that takes the keys of a
/// `plugins[]` entry other than `path`.
public struct PluginFolder: Sendable {
    /// The folder.
    public let directory: String

    /// A folder at `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    /// A plugin file, or its sidecar, that cannot be used; the folder's other plugins are not
    /// affected.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The file.
        public var file: String
        /// What is wrong.
        public var message: String
        /// "file: message".
        public var description: String { "\(file): \(message)" }
    }

    /// The folder's plugin files and sidecars (`lib*.so`, `lib*.yaml`) by name, with their stamps.
    /// - Throws: ``ConfigurationError`` when the folder does not exist or cannot be read.
    public func list() throws(ConfigurationError) -> [String: FileStamp] {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationError(file: directory, key: "plugin_host.directory", message: "the plugins folder does not exist (create it, or fix plugin_host.directory)")
        }
        guard let names = try? files.contentsOfDirectory(atPath: directory) else {
            throw ConfigurationError(file: directory, key: "plugin_host.directory", message: "the plugins folder cannot be read")
        }
        var stamps: [String: FileStamp] = [:]
        for name in names where name.hasPrefix("lib") && (name.hasSuffix(".so") || name.hasSuffix(".yaml")) {
            guard let attributes = try? files.attributesOfItem(atPath: directory + "/" + name),
                  attributes[.type] as? FileAttributeType == .typeRegular
            else { continue }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            stamps[name] = FileStamp(size: size, modified: modified)
        }
        return stamps
    }

    /// The plugins among `files` (names in the folder, usually the settled ones), in name order,
    /// each with its sidecar's settings when `files` has one. A sidecar that cannot be used is a
    /// problem, and its plugin is left out.
    public func plugins(_ files: some Collection<String>) -> (plugins: [PluginSettings], problems: [Problem]) {
        let names = Set(files)
        var plugins: [PluginSettings] = []
        var problems: [Problem] = []
        for name in names.sorted() where name.hasSuffix(".so") {
            var settings = PluginSettings(path: directory + "/" + name)
            settings.origin = .folder
            let sidecar = String(name.dropLast(3)) + ".yaml"
            if names.contains(sidecar) {
                do {
                    try Self.read(sidecar: directory + "/" + sidecar, into: &settings)
                } catch {
                    problems.append(Problem(file: settings.path, message: "its sidecar is not usable: \(error)"))
                    continue
                }
            }
            plugins.append(settings)
        }
        return (plugins, problems)
    }

    /// Reads a sidecar file's keys into `settings`.
    static func read(sidecar path: String, into settings: inout PluginSettings) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(validating: data, as: UTF8.self) else {
            throw ConfigurationError(file: path, key: "", message: "cannot read the file as UTF-8 text")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigurationError(file: path, key: "", message: "not valid YAML: \(error)")
        }
        guard let root else { return }
        let allowed = ConfigurationLoader.pluginKeys.filter { $0 != "path" }
        let keys = try ConfigNode(node: root, file: path, key: "").mapping(allowed: allowed)
        try ConfigurationLoader.apply(keys, to: &settings, environment: ProcessInfo.processInfo.environment)
    }
}

extension PluginHostSettings {
    /// The configured plugins followed by the plugins folder's as it is now (without waiting for
    /// files to settle), and the folder's files that cannot be used: what the read-only commands
    /// (`plugins list`, `routes`, the override commands) show.
    public func withFolder() -> (plugins: [PluginSettings], problems: [PluginFolder.Problem]) {
        guard let directory else { return (plugins, []) }
        let folder = PluginFolder(directory: directory)
        do {
            let (dropped, problems) = folder.plugins(try folder.list().keys)
            return (plugins + dropped, problems)
        } catch {
            return (plugins, [PluginFolder.Problem(file: directory, message: error.message)])
        }
    }
}
