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

    /// Loads every enabled plugin's file, in order. Duplicate names and invalid default
    /// subscriptions are reported as failures of the later plugin.
    public static func inspect(_ plugins: [PluginSettings], logger: Logger) -> [Inspected] {
        var seen: [String: String] = [:]
        return plugins.filter(\.enabled).map { settings in
            Inspected(
                settings: settings,
                loaded: Result { () throws(PluginLoadError) -> (PluginImage, RouteEntry) in
                    let image = try PluginLoader.load(path: settings.path, logger: logger)
                    if let other = seen[image.name] {
                        throw PluginLoadError(
                            .duplicateName,
                            path: settings.path,
                            "a plugin named '\(image.name)' is already loaded from \(other)"
                        )
                    }
                    let route = try settings.routeEntry(for: image)
                    seen[image.name] = settings.path
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
