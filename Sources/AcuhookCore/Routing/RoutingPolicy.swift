/// Decides where an event goes: which plugins get a job for it, and how those jobs are scheduled
/// (in order per entity, debounced). The one place this is decided, for received and derived
/// events alike.
///
/// Pure: the router and every plugin's settings are taken as they are when the policy is built
/// (the plugin host builds a new one with each generation of plugins and each change of overrides).
public struct RoutingPolicy: Sendable {
    /// Event type → plugins, in priority order.
    public let router: Router
    private let settings: [String: PluginSettings]

    /// A policy over `router`, with each plugin's `ordered` and `debounce` settings.
    public init(router: Router, settings: [String: PluginSettings]) {
        self.router = router
        self.settings = settings
    }

    /// The plugins that receive `eventType`, and how their jobs run.
    /// - Parameter orderedByDefault: Whether a plugin that leaves `ordered` unset gets its jobs
    ///   in order per entity (push-notification events: their rows carry a `TimeStamp`).
    public func decide(_ eventType: String, orderedByDefault: Bool) -> RouteDecision {
        let plugins = router.plugins(for: eventType)
        var decision = RouteDecision(plugins: plugins)
        for name in plugins {
            let own = settings[name]
            if own?.ordered ?? orderedByDefault { decision.ordered.insert(name) }
            if let window = own?.debounce { decision.debounceMilliseconds[name] = window.wholeMilliseconds }
        }
        return decision
    }
}
