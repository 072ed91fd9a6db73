/// One plugin's place in the routing table: which event types it receives.
public struct RouteEntry: Sendable, Equatable {
    /// Where a plugin's subscription list came from, shown by `acuhook routes`.
    public enum Origin: String, Sendable, Equatable {
        /// The plugin's own default subscriptions (its descriptor).
        case pluginDefault = "plugin default"
        /// The `events` key of the plugin's entry in the configuration file.
        case configuration = "config file"
        /// A runtime override stored by the admin API or CLI.
        case runtimeOverride = "runtime override"
    }

    /// The plugin's unique name.
    public var plugin: String
    /// Event types and patterns the plugin receives.
    public var events: [EventPattern]
    /// Event types and patterns it never receives, even when `events` matches (`disabled_events`).
    public var disabledEvents: [EventPattern]
    /// Where `events` came from.
    public var origin: Origin

    /// Creates an entry.
    public init(plugin: String, events: [EventPattern], disabledEvents: [EventPattern] = [], origin: Origin) {
        self.plugin = plugin
        self.events = events
        self.disabledEvents = disabledEvents
        self.origin = origin
    }
}

extension RouteEntry {
    /// This entry with runtime route overrides for its plugin applied, in order: an enabled
    /// pattern is added to ``events`` (and no longer disabled), a disabled one is added to
    /// ``disabledEvents`` (and no longer enabled). The origin becomes ``Origin/runtimeOverride``
    /// when any applies.
    public func applying(_ overrides: [(pattern: EventPattern, enabled: Bool)]) -> RouteEntry {
        guard !overrides.isEmpty else { return self }
        var entry = self
        for (pattern, enabled) in overrides {
            if enabled {
                entry.disabledEvents.removeAll { $0 == pattern }
                if !entry.events.contains(pattern) { entry.events.append(pattern) }
            } else {
                entry.events.removeAll { $0 == pattern }
                if !entry.disabledEvents.contains(pattern) { entry.disabledEvents.append(pattern) }
            }
        }
        entry.origin = .runtimeOverride
        return entry
    }
}
