import AcuhookStore
import AcuhookCore
import GRDB

extension SQLiteEventStore {
    /// Every runtime override, and the version they are at.
    public func overrides() async throws(StoreError) -> (version: Int64, overrides: [RuntimeOverride]) {
        try await read("cannot read runtime overrides") { db in
            let version = try Self.overridesVersion(db)
            let rows = try Row.fetchAll(db, sql: "SELECT kind, plugin, pattern, value FROM overrides ORDER BY kind, plugin, pattern")
            let overrides = rows.compactMap { row -> RuntimeOverride? in
                let (kind, plugin, pattern, value): (String, String, String, String) = (row[0], row[1], row[2], row[3])
                switch kind {
                case "route": return .route(plugin: plugin, pattern: pattern, enabled: value == "enable")
                case "breaker": return HeldBreakerState(rawValue: value).map { .breaker(plugin: plugin, state: $0) }
                case "reset": return Int64(value).map { .breakerReset(plugin: plugin, atUnixMilliseconds: $0) }
                default: return nil
                }
            }
            return (version, overrides)
        }
    }

    /// The overrides' version alone.
    public func overridesVersion() async throws(StoreError) -> Int64 {
        try await read("cannot read runtime overrides") { db in try Self.overridesVersion(db) }
    }

    /// Stores `override`, replacing one for the same plugin and pattern (or breaker).
    public func setOverride(_ override: RuntimeOverride, nowUnixMilliseconds: Int64) async throws(StoreError) {
        let (kind, pattern, value): (String, String, String)
        switch override {
        case .route(_, let p, let enabled): (kind, pattern, value) = ("route", p, enabled ? "enable" : "disable")
        case .breaker(_, let state): (kind, pattern, value) = ("breaker", "", state.rawValue)
        case .breakerReset(_, let at): (kind, pattern, value) = ("reset", "", String(at))
        }
        try await changeOverrides { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO overrides (kind, plugin, pattern, value, updated_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [kind, override.plugin, pattern, value, nowUnixMilliseconds]
            )
        }
    }

    /// Removes the breaker override of `plugin` and records a reset request.
    @discardableResult
    public func resetBreaker(plugin: String, nowUnixMilliseconds: Int64) async throws(StoreError) -> Bool {
        try await changeOverrides { db in
            try db.execute(sql: "DELETE FROM overrides WHERE kind = 'breaker' AND plugin = ?", arguments: [plugin])
            let existed = db.changesCount > 0
            try db.execute(
                sql: "INSERT OR REPLACE INTO overrides (kind, plugin, pattern, value, updated_at) VALUES ('reset', ?, '', ?, ?)",
                arguments: [plugin, String(nowUnixMilliseconds), nowUnixMilliseconds]
            )
            return existed
        }
    }

    /// Removes route overrides of `plugin` (for `pattern`, or all); returns how many.
    @discardableResult
    public func removeRouteOverrides(plugin: String, pattern: String?) async throws(StoreError) -> Int {
        try await changeOverrides { db in
            if let pattern {
                try db.execute(sql: "DELETE FROM overrides WHERE kind = 'route' AND plugin = ? AND pattern = ?", arguments: [plugin, pattern])
            } else {
                try db.execute(sql: "DELETE FROM overrides WHERE kind = 'route' AND plugin = ?", arguments: [plugin])
            }
            return db.changesCount
        }
    }

    private static func overridesVersion(_ db: Database) throws -> Int64 {
        Int64(try String.fetchOne(db, sql: "SELECT value FROM store_meta WHERE key = 'overrides_version'") ?? "0") ?? 0
    }

    /// Runs `change` and bumps the overrides' version, in one transaction.
    private func changeOverrides<T: Sendable>(_ change: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        try await write("cannot change runtime overrides") { db in
            let result = try change(db)
            try db.execute(sql: "UPDATE store_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'overrides_version'")
            return result
        }
    }
}
