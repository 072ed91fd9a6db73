import AcuhookPluginHost

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
    func reload() async -> ReloadResult
}

/// What `POST /admin/reload` did.
public struct ReloadResult: Sendable, Equatable, Codable {
    /// Whether the new plugins now run (false: the previous ones still do).
    public var applied: Bool
    /// Plugins loaded for the first time.
    public var added: [String]
    /// Plugins whose file (by content hash) or settings changed: a new instance runs them.
    public var replaced: [String]
    /// Plugins no longer configured.
    public var removed: [String]
    /// Plugins kept as they were.
    public var kept: [String]
    /// Why it was not applied.
    public var errors: [String]

    /// Creates a result.
    public init(applied: Bool, added: [String] = [], replaced: [String] = [], removed: [String] = [], kept: [String] = [], errors: [String] = []) {
        self.applied = applied
        self.added = added
        self.replaced = replaced
        self.removed = removed
        self.kept = kept
        self.errors = errors
    }
}
