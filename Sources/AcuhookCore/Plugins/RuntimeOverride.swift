/// An operator's change to routing or to a breaker, made at runtime (CLI or admin API) and
/// kept in the store, so it survives restarts until it is removed.
public enum RuntimeOverride: Sendable, Equatable, Hashable {
    /// The plugin receives (`enabled`) or never receives (not `enabled`) events matching `pattern`.
    case route(plugin: String, pattern: String, enabled: Bool)
    /// The plugin's breaker is held in `state` (`open` or `disabled`) until reset.
    case breaker(plugin: String, state: HeldBreakerState)
    /// An operator asked at this time for the plugin's breaker to be reset (also one that
    /// failures opened); a server resets it once per request.
    case breakerReset(plugin: String, atUnixMilliseconds: Int64)

    /// The plugin it applies to.
    public var plugin: String {
        switch self {
        case .route(let plugin, _, _), .breaker(let plugin, _), .breakerReset(let plugin, _): plugin
        }
    }
}

/// A breaker state an operator can hold a breaker in.
public enum HeldBreakerState: String, Sendable, Equatable, Hashable {
    /// Forced open: no calls; the plugin's jobs wait.
    case open
    /// Never opens.
    case disabled
}
