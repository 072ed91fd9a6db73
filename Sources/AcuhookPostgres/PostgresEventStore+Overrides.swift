import AcuhookCore
import AcuhookStore
import PostgresNIO

extension PostgresEventStore {
    /// Every runtime override, and the version they are at (read in one statement).
    public func overrides() async throws(StoreError) -> (version: Int64, overrides: [RuntimeOverride]) {
        try await run("cannot read runtime overrides") { connection in
            var version: Int64 = 0
            var overrides: [RuntimeOverride] = []
            for try await (current, kind, plugin, pattern, value) in try await connection.query(
                """
                SELECT m.value, o.kind, o.plugin, o.pattern, o.value
                FROM store_meta m LEFT JOIN overrides o ON true
                WHERE m.key = 'overrides_version' ORDER BY o.kind, o.plugin, o.pattern
                """,
                logger: quiet
            ).decode((Int64, String?, String?, String?, String?).self) {
                version = current
                guard let kind, let plugin, let pattern, let value else { continue }
                switch kind {
                case "route": overrides.append(.route(plugin: plugin, pattern: pattern, enabled: value == "enable"))
                case "breaker": if let state = HeldBreakerState(rawValue: value) { overrides.append(.breaker(plugin: plugin, state: state)) }
                case "reset": if let at = Int64(value) { overrides.append(.breakerReset(plugin: plugin, atUnixMilliseconds: at)) }
                default: break
                }
            }
            return (version, overrides)
        }
    }

    /// The overrides' version alone.
    public func overridesVersion() async throws(StoreError) -> Int64 {
        try await run("cannot read runtime overrides") { connection in
            for try await version in try await connection.query("SELECT value FROM store_meta WHERE key = 'overrides_version'", logger: quiet).decode(Int64.self) {
                return version
            }
            return 0
        }
    }

    /// Stores `override`, replacing one for the same plugin and pattern (or breaker).
    public func setOverride(_ override: RuntimeOverride, nowUnixMilliseconds now: Int64) async throws(StoreError) {
        let (kind, pattern, value): (String, String, String)
        switch override {
        case .route(_, let p, let enabled): (kind, pattern, value) = ("route", p, enabled ? "enable" : "disable")
        case .breaker(_, let state): (kind, pattern, value) = ("breaker", "", state.rawValue)
        case .breakerReset(_, let at): (kind, pattern, value) = ("reset", "", String(at))
        }
        let plugin = override.plugin
        _ = try await changeOverrides { connection in
            try await connection.query(
                """
                INSERT INTO overrides (kind, plugin, pattern, value, updated_at) VALUES (\(kind), \(plugin), \(pattern), \(value), \(now))
                ON CONFLICT (kind, plugin, pattern) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """,
                logger: quiet
            )
            return 0
        }
    }

    /// Removes the breaker override of `plugin` and records a reset request.
    @discardableResult
    public func resetBreaker(plugin: String, nowUnixMilliseconds now: Int64) async throws(StoreError) -> Bool {
        try await changeOverrides { connection in
            let existed = try await Self.deleted("DELETE FROM overrides WHERE kind = 'breaker' AND plugin = \(plugin) RETURNING 1", on: connection) > 0
            try await connection.query(
                """
                INSERT INTO overrides (kind, plugin, pattern, value, updated_at) VALUES ('reset', \(plugin), '', \(String(now)), \(now))
                ON CONFLICT (kind, plugin, pattern) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """,
                logger: quiet
            )
            return existed
        }
    }

    /// Removes route overrides of `plugin` (for `pattern`, or all); returns how many.
    @discardableResult
    public func removeRouteOverrides(plugin: String, pattern: String?) async throws(StoreError) -> Int {
        try await changeOverrides { connection in
            if let pattern {
                return try await Self.deleted("DELETE FROM overrides WHERE kind = 'route' AND plugin = \(plugin) AND pattern = \(pattern) RETURNING 1", on: connection)
            }
            return try await Self.deleted("DELETE FROM overrides WHERE kind = 'route' AND plugin = \(plugin) RETURNING 1", on: connection)
        }
    }

    private static func deleted(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Int {
        var count = 0
        for try await _ in try await connection.query(query, logger: quiet) { count += 1 }
        return count
    }

    /// Runs `change` and bumps the overrides' version, in one transaction: every instance's
    /// watcher sees the new version and reloads them.
    private func changeOverrides<T: Sendable>(_ change: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        try await transaction("cannot change runtime overrides") { connection in
            let result = try await change(connection)
            try await connection.query("UPDATE store_meta SET value = value + 1 WHERE key = 'overrides_version'", logger: quiet)
            return result
        }
    }
}
