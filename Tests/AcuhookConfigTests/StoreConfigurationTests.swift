import AcuhookConfig
import AcuhookStore
import Testing

/// `store.retention`, `store.max_size` and `store.url`.
@Suite struct StoreConfigurationTests {
    func parse(_ store: String) throws -> StoreSettings {
        try ConfigurationLoader.parse(yaml: "store: \(store)", file: "acuhook.yaml", baseDirectory: "/etc/acuhook").store
    }

    @Test func retentionAndMaxSizeAreReadWithTheirUnits() throws {
        #expect(try parse("{path: a.db}").retention == .seconds(7 * 86_400))
        #expect(try parse("{path: a.db}").maxSizeBytes == nil)
        #expect(try parse("{retention: 2d, max_size: 500MB}").retention == .seconds(2 * 86_400))
        #expect(try parse("{max_size: 20GB}").maxSizeBytes == 20 << 30)
        #expect(try parse("{max_size: 2097152}").maxSizeBytes == 2 << 20)
        for bad in ["{max_size: lots}", "{max_size: 10KB}", "{max_size: -5MB}"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try parse(bad) }
        }
    }

    @Test func aURLMeansPostgreSQLReadFromTheEnvironmentIfAsked() throws {
        let store = try ConfigurationLoader.parse(
            yaml: "store: {url: '${ACUHOOK_DATABASE_URL}', retention: 3d}", file: "acuhook.yaml", baseDirectory: "/etc/acuhook",
            environment: ["ACUHOOK_DATABASE_URL": "postgres://acuhook:pw@db.internal:6432/events?schema=eu"]
        ).store
        let postgres = try #require(store.postgres)
        #expect(postgres.host == "db.internal" && postgres.port == 6432 && postgres.database == "events" && postgres.schema == "eu" && postgres.password == "pw")
        #expect(store.retention == .seconds(3 * 86_400))
        #expect(try parse("{path: a.db}").postgres == nil)
    }

    @Test func aURLThatCannotBeUsedIsRefusedNamingTheKey() {
        for (yaml, message) in [
            ("{url: 'postgres://db/x', path: a.db}", "store.url and store.path name two stores"),
            ("{url: 'mysql://u@db/x'}", "expected postgres://user@host:port/database"),
            ("{url: 'postgres://u@db/x', synchronous: normal}", "store.synchronous is a SQLite setting"),
            ("{url: 'postgres://u@db/x?sslmode=maybe'}", "sslmode 'maybe'"),
            ("{url: '${NOT_SET_ANYWHERE}'}", "environment variable NOT_SET_ANYWHERE is not set"),
        ] {
            let text = errorText(yaml)
            #expect(text.contains(message), "\(yaml): \(text)")
        }
    }

    private func errorText(_ yaml: String) -> String {
        do {
            _ = try parse(yaml)
            return "parsed"
        } catch {
            return "\(error)"
        }
    }
}
