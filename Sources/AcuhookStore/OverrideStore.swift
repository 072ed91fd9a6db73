import AcuhookCore

/// Runtime overrides (route switches, held breaker states, breaker resets), stored so every
/// process that runs plugins against the store applies them: the CLI and admin API write them,
/// a running server polls their version.
public protocol OverrideStore: Sendable {
    /// Every runtime override, and the version they are at (bumped by every change).
    func overrides() async throws(StoreError) -> (version: Int64, overrides: [RuntimeOverride])

    /// The overrides' version alone (cheap; a running server polls it).
    func overridesVersion() async throws(StoreError) -> Int64

    /// Stores `override`, replacing one for the same plugin and pattern (or breaker).
    func setOverride(_ override: RuntimeOverride, nowUnixMilliseconds: Int64) async throws(StoreError)

    /// Removes the breaker override of `plugin` and records a reset request (so a running
    /// server also closes a breaker that failures opened); returns whether an override existed.
    @discardableResult
    func resetBreaker(plugin: String, nowUnixMilliseconds: Int64) async throws(StoreError) -> Bool

    /// Removes route overrides of `plugin` (for `pattern`, or all); returns how many.
    @discardableResult
    func removeRouteOverrides(plugin: String, pattern: String?) async throws(StoreError) -> Int
}
