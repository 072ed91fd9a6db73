/// What the admin API asks of the running process beyond the store: the plugins it runs and the
/// routing table it uses. `acuhook serve` implements it over its plugin host; tests can give
/// their own.
public protocol AdminOperations: Sendable {
    /// Every loaded plugin, in priority order, plus those that failed to load.
    func plugins() async -> [PluginStatus]
    /// The routing table: one entry per loaded plugin, with where its routes came from.
    func routes() async -> [RouteStatus]
}
