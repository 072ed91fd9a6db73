import AcuhookConfig
import AcuhookStore
import Testing

/// `store.retention` and `store.max_size`.
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
        #expect(SQLiteEventStore.Configuration(try parse("{max_size: 1MB}")).maxSizeBytes == 1 << 20)
        for bad in ["{max_size: lots}", "{max_size: 10KB}", "{max_size: -5MB}"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try parse(bad) }
        }
    }
}
