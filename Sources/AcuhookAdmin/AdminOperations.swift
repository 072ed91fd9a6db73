import AcuhookPluginHost
import AcuhookStore

/// What the admin API asks of the running process beyond the store: the plugins it runs, the
/// routing table it uses, and the runtime overrides an operator makes. `acuhook serve`
/// implements it over its plugin host (``PluginHostOperations``); tests can give their own.
public protocol AdminOperations: Sendable {
    /// Every loaded plugin, in priority order, plus those that failed to load.
    func plugins() async -> [PluginStatus]
    /// The routing table: one entry per loaded plugin, with where its routes came from.
    func routes() async -> [RouteStatus]
    /// Holds the plugin's breaker open or disabled, or resets it (stored: survives restarts).
    /// - Returns: false when no such plugin is loaded.
    func controlBreaker(plugin: String, action: BreakerAction) async throws -> Bool
    /// Enables or disables `pattern` for the plugin at runtime (stored: survives restarts).
    /// - Returns: false when no such plugin is loaded.
    func setRoute(plugin: String, pattern: String, enabled: Bool) async throws -> Bool
    /// Removes the plugin's runtime route overrides. - Returns: false when no such plugin is loaded.
    func clearRoutes(plugin: String) async throws -> Bool
    /// Reads the configuration again and switches to its plugins, or keeps the running ones.
    func reload() async -> PluginReloadReport
    /// What a backfill of `request` selects in the store, by the running plugins' routes and
    /// the plugin's ordering. - Returns: nil when no such plugin is loaded.
    /// - Throws: ``DeadLetterQueryError`` for a field that cannot be read, or ``StoreError``.
    func replaySelection(_ request: ReplayRequest) async throws -> ReplaySelection?
}

extension AdminOperations {
    /// No backfills: an implementation without plugins.
    public func replaySelection(_ request: ReplayRequest) async throws -> ReplaySelection? { nil }
}
