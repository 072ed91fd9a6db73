import AcuhookCore
import Logging

/// Loads the configured plugin files without creating instances: enough to list them, check
/// them and build the routing table (used by `acuhook plugins list` and `acuhook routes`, and as
/// the first step of ``PluginHost``).
public enum PluginCatalog {
    /// One configured, enabled plugin and what loading its file gave.
    public struct Inspected: Sendable {
        /// The operator's settings.
        public let settings: PluginSettings
        /// The image and its route, or why it cannot be used.
        public let loaded: Result<(image: PluginImage, route: RouteEntry), PluginLoadError>
    }

    /// Loads every enabled plugin's file, in order, from `loadPaths[i]` when given (a reload's
    /// private copies) else from its configured path; errors name the configured path. Duplicate
    /// names and invalid default subscriptions are reported as failures of the later plugin,
    /// naming both places when one is the configuration file and the other the plugins folder.
    public static func inspect(_ plugins: [PluginSettings], loadPaths: [String]? = nil, logger: Logger) -> [Inspected] {
        var seen: [String: PluginSettings] = [:]
        let enabled = Array(zip(plugins, loadPaths ?? plugins.map(\.path))).filter { $0.0.enabled }
        return enabled.map { settings, loadPath in
            Inspected(
                settings: settings,
                loaded: Result { () throws(PluginLoadError) -> (PluginImage, RouteEntry) in
                    let image: PluginImage
                    do throws(PluginLoadError) {
                        image = try PluginLoader.load(path: loadPath, logger: logger)
                    } catch {
                        throw PluginLoadError(error.code, path: settings.path, error.message.replacingOccurrences(of: loadPath, with: settings.path))
                    }
                    if let other = seen[image.name] {
                        let places = other.origin == settings.origin
                            ? "is already loaded from \(other.path)"
                            : "is named both in the configuration file (\(other.origin == .configuration ? other.path : settings.path)) and in the plugins folder (\(other.origin == .folder ? other.path : settings.path)): remove one of them"
                        throw PluginLoadError(.duplicateName, path: settings.path, "a plugin named '\(image.name)' \(places)")
                    }
                    let route = try settings.routeEntry(for: image)
                    seen[image.name] = settings
                    return (image, route)
                }
            )
        }
    }
}

extension PluginSettings {
    /// The plugin's route: the configured `events`, or else the plugin's own subscriptions.
    func routeEntry(for image: PluginImage) throws(PluginLoadError) -> RouteEntry {
        if let events {
            return RouteEntry(plugin: image.name, events: events, disabledEvents: disabledEvents, origin: .configuration)
        }
        return RouteEntry(
            plugin: image.name,
            events: try image.subscriptionPatterns(),
            disabledEvents: disabledEvents,
            origin: .pluginDefault
        )
    }
}
