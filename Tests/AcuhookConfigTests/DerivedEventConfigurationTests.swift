import AcuhookConfig
import AcuhookCore
import Testing

/// `plugin_host.max_derived_events_per_delivery` and `plugins[].receive_own_events`.
@Suite struct DerivedEventConfigurationTests {
    @Test func theBudgetAndOwnEventsAreReadWithTheirDefaults() throws {
        let defaults = try ConfigurationLoader.parse(yaml: "plugins: [{path: /p/libA.so}]", file: "acuhook.yaml", baseDirectory: "/etc/acuhook")
        #expect(defaults.dispatch.maxDerivedEventsPerDelivery == 64)
        #expect(defaults.pluginHost.plugins[0].receiveOwnEvents == false)
        let set = try ConfigurationLoader.parse(
            yaml: """
                plugin_host: {max_derived_events_per_delivery: 8}
                plugins: [{path: /p/libA.so, receive_own_events: true}]
                """,
            file: "acuhook.yaml", baseDirectory: "/etc/acuhook"
        )
        #expect(set.dispatch.maxDerivedEventsPerDelivery == 8 && set.pluginHost.plugins[0].receiveOwnEvents)
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(yaml: "plugin_host: {max_derived_events_per_delivery: -1}", file: "acuhook.yaml", baseDirectory: "/etc/acuhook")
        }
    }
}
