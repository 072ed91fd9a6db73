import AcuhookConfig
import AcuhookCore
import Foundation
import Testing

@Suite struct ConfigurationLoaderTests {
    private func parse(_ yaml: String) throws -> AcuhookSettings {
        try ConfigurationLoader.parse(yaml: yaml, file: "acuhook.yaml", baseDirectory: "/etc/acuhook")
    }

    private func failure(_ yaml: String) -> ConfigurationError? {
        do {
            _ = try ConfigurationLoader.parse(yaml: yaml, file: "acuhook.yaml", baseDirectory: "/etc/acuhook")
            return nil
        } catch {
            return error
        }
    }

    @Test func readsEveryKey() throws {
        let configuration = try parse(
            """
            plugin_host:
              max_threads: 8
              max_output_bytes: 4096
              max_derived_events_per_call: 2
              max_derivation_depth: 1
            plugins:
              - path: plugins/libCustomerSync.so
                config:
                  output: /var/lib/acuhook/customers.jsonl
                  retries: 3
                  ratio: 0.5
                  tags: [a, b]
                  nothing: null
                  flag: true
                events: ["Customer.*", "*.Deleted"]
                disabled_events: [Customer.StatusChanged]
                timeout: 250ms
                max_concurrency: 2
                breaker:
                  window: 30
                  minimum_calls: 5
                  failure_rate: 0.25
                  consecutive_failures: 0
                  slow_call_duration: 2s
                  slow_call_rate: 0.8
                  open_duration: 1m
                  max_open_duration: 1h
                  half_open_probes: 3
                  disabled: false
              - path: /opt/plugins/libStockLog.so
                enabled: false
            """
        )
        let host = configuration.pluginHost
        #expect(host.maxThreads == 8 && host.maxOutputBytes == 4096)
        #expect(host.maxDerivedEventsPerCall == 2 && host.maxDerivationDepth == 1)
        let first = try #require(host.plugins.first)
        #expect(first.path == "/etc/acuhook/plugins/libCustomerSync.so")
        let config = try JSONSerialization.jsonObject(with: Data(first.configJSON)) as? [String: Any]
        #expect(config?["output"] as? String == "/var/lib/acuhook/customers.jsonl")
        #expect(config?["retries"] as? Int == 3 && config?["ratio"] as? Double == 0.5)
        #expect(config?["tags"] as? [String] == ["a", "b"] && config?["nothing"] is NSNull && config?["flag"] as? Bool == true)
        #expect(first.events == [.prefix("Customer."), .suffix(".Deleted")])
        #expect(first.disabledEvents == [.exact("Customer.StatusChanged")])
        #expect(first.timeout == .milliseconds(250) && first.maxConcurrency == 2)
        let b = first.breaker
        #expect(b.windowSize == 30 && b.minimumCalls == 5 && b.failureRateThreshold == 0.25)
        #expect(b.consecutiveFailureThreshold == 0 && b.slowCallDuration == .seconds(2) && b.slowCallRateThreshold == 0.8)
        #expect(b.openDuration == .seconds(60) && b.maxOpenDuration == .seconds(3600) && b.halfOpenProbes == 3 && !b.disabled)
        #expect(host.plugins[1].path == "/opt/plugins/libStockLog.so" && !host.plugins[1].enabled)
    }

    @Test func defaultsApplyWhenKeysAreAbsent() throws {
        let plugin = try #require(try parse("plugins:\n  - path: /p/libX.so\n").pluginHost.plugins.first)
        #expect(plugin == PluginSettings(path: "/p/libX.so"))
        #expect(plugin.events == nil && plugin.timeout == .seconds(30) && plugin.maxConcurrency == 4)
        #expect(String(decoding: plugin.configJSON, as: UTF8.self) == "{}")
        #expect(try parse("").pluginHost == PluginHostSettings())
    }

    @Test func errorsNameTheFileTheLineTheKeyAndTheExpectation() throws {
        let wrongType = try #require(failure("plugins:\n  - path: /p/libX.so\n    timeout: five\n"))
        #expect(wrongType.description == "acuhook.yaml:3:14: plugins[0].timeout: expected a positive duration such as 250ms, 5s, 2m, 1h or 3d (at most 100 years), found 'five'")

        let unknown = try #require(failure("plugins:\n  - path: /p/libX.so\n    max_concurency: 3\n"))
        #expect(unknown.key == "plugins[0]")
        #expect(unknown.message.hasPrefix("unknown key 'max_concurency'; expected one of: path, enabled"))

        let missing = try #require(failure("plugins:\n  - timeout: 5s\n"))
        #expect(missing.message.contains("missing key 'path'"))

        let pattern = try #require(failure("plugins:\n  - path: /p/libX.so\n    events: ['Sales*.Updated']\n"))
        #expect(pattern.key == "plugins[0].events[0]")
        #expect(pattern.message.contains("expected an event type or pattern"))

        let range = try #require(failure("plugins:\n  - path: /p/libX.so\n    breaker:\n      failure_rate: 1.5\n"))
        #expect(range.key == "plugins[0].breaker.failure_rate")
        #expect(range.message == "expected a number from 0.0 to 1.0, found 1.5")

        let consistency = try #require(failure("plugins:\n  - path: /p/libX.so\n    breaker: {window: 5, minimum_calls: 10}\n"))
        #expect(consistency.key == "plugins[0].breaker.minimum_calls")

        let notAList = try #require(failure("plugins: /p/libX.so\n"))
        #expect(notAList.message == "expected a list, found '/p/libX.so'")

        let yaml = try #require(failure("plugins: [\n"))
        #expect(yaml.message.hasPrefix("not valid YAML"))
    }

    @Test func missingFileIsAClearError() {
        do {
            _ = try ConfigurationLoader.load(file: "/nonexistent/acuhook.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/acuhook.yaml: cannot read the file"))
        }
    }

    @Test func pluginConfigStringsTakeEnvironmentVariables() throws {
        let yaml = "plugins:\n  - path: /p/libX.so\n    config: {url: \"https://${HOST}/in\", secret: \"${SECRET}\", n: 3}\n"
        let configuration = try ConfigurationLoader.parse(yaml: yaml, file: "acuhook.yaml", baseDirectory: "/etc", environment: ["HOST": "relay.example", "SECRET": "whsec_abc"])
        #expect(configuration.pluginHost.plugins[0].configJSON == Array(#"{"n":3,"secret":"whsec_abc","url":"https://relay.example/in"}"#.utf8))
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse(yaml: yaml, file: "acuhook.yaml", baseDirectory: "/etc", environment: ["HOST": "relay.example"])
        }
    }

    /// Found by FuzzConfiguration: duplicate keys were reported with whichever one Yams found
    /// first, so one file gave different errors from run to run.
    @Test func duplicateKeysGiveTheSameErrorEveryTime() throws {
        let yaml = "server: {port: 1}\nadmin: {port: 2}\nstore: {}\nserver: {port: 3}\nadmin: {port: 4}\n"
        let errors = Set((0..<20).compactMap { _ in failure(yaml)?.description })
        #expect(errors == ["acuhook.yaml: duplicate keys: admin, server"])
    }

    @Test func aFileThatIsNotUTF8IsAClearError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("latin1-\(UUID()).yaml").path
        try Data([0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0x3A, 0x20, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(file: path) }
        do {
            _ = try ConfigurationLoader.load(file: path)
        } catch {
            #expect(error.description == "\(path): not UTF-8 text")
        }
    }

    @Test(arguments: [("250ms", Duration.milliseconds(250)), ("500us", .microseconds(500)), ("1.5ms", .microseconds(1500)), ("5s", .seconds(5)), ("1.5s", .milliseconds(1500)), ("2m", .seconds(120)), ("1h", .seconds(3600)), ("10", .seconds(10))])
    func durations(_ text: String, _ expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test func durationFormattingRoundTrips() throws {
        for duration: Duration in [.milliseconds(250), .seconds(5), .seconds(120), .seconds(3600), .milliseconds(1500), .microseconds(500), .microseconds(1500)] {
            #expect(DurationText.parse(DurationText.format(duration)) == duration)
        }
        #expect(DurationText.parse("-1s") == nil && DurationText.parse("soon") == nil)
        // Found by FuzzConfiguration: a duration past Int64 microseconds stopped the process.
        #expect(DurationText.parse("99999999999999999d") == nil)
        #expect(DurationText.parse(String(repeating: "7", count: 90)) == nil)
        #expect(DurationText.parse("36500d") == .seconds(36_500 * 86_400))
        #expect(DurationText.parse("36501d") == nil)
        let error = try #require(failure("store: {idempotency_retention: \(String(repeating: "7", count: 90))}\n"))
        #expect(error.message.contains("at most 100 years"))
    }
}

@Suite struct ShippedConfigurationTests {
    /// The example the README points at must stay valid.
    @Test func theExampleConfigurationLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let configuration = try ConfigurationLoader.load(file: root.appendingPathComponent("examples/acuhook.yaml").path)
        #expect(configuration.sources.map(\.name) == ["acumatica", "push"])
        #expect(configuration.pluginHost.plugins.count == 3)
        #expect(configuration.server.testEndpointEnabled)
        #expect(configuration.alerts?.silence?.sources == ["push"])
    }
}

@Suite struct IsolationConfigurationTests {
    func parse(_ yaml: String) throws(ConfigurationError) -> AcuhookSettings {
        try ConfigurationLoader.parse(yaml: yaml, file: "acuhook.yaml", baseDirectory: "/etc/acuhook", environment: [:])
    }

    @Test func pluginsRunInProcessUnlessIsolated() throws {
        let configuration = try parse("""
            plugin_host: {worker_executable: bin/acuhook}
            plugins:
              - path: a.so
              - path: b.so
                isolation: process
                workers: 3
            """)
        #expect(configuration.pluginHost.plugins.map(\.isolation) == [.inProcess, .process])
        #expect(configuration.pluginHost.plugins[1].workers == 3)
        #expect(configuration.pluginHost.workerExecutable == "/etc/acuhook/bin/acuhook")
        #expect(throws: ConfigurationError.self) { try parse("plugins: [{path: a.so, isolation: container}]") }
        #expect(throws: ConfigurationError.self) { try parse("plugins: [{path: a.so, workers: 0}]") }
    }
}

@Suite struct BatchConfigurationTests {
    func parse(_ yaml: String) throws(ConfigurationError) -> AcuhookSettings {
        try ConfigurationLoader.parse(yaml: yaml, file: "acuhook.yaml", baseDirectory: "/etc/acuhook", environment: [:])
    }

    @Test func batchTakesItsLimitsOrTrueForTheDefaults() throws {
        let configuration = try parse("""
            plugins:
              - path: a.so
              - path: b.so
                batch: {max_events: 500, max_wait: 200ms}
              - path: c.so
                batch: true
              - path: d.so
                batch: false
            """)
        let batches = configuration.pluginHost.plugins.map(\.batch)
        #expect(batches[0] == nil && batches[3] == nil)
        #expect(batches[1]?.maxEvents == 500 && batches[1]?.maxWait == .milliseconds(200))
        #expect(batches[2] == BatchSettings())
        #expect(BatchSettings().maxEvents == 100 && BatchSettings().maxWait == .milliseconds(50))
        #expect(throws: ConfigurationError.self) { try parse("plugins: [{path: a.so, batch: {max_events: 0}}]") }
        #expect(throws: ConfigurationError.self) { try parse("plugins: [{path: a.so, batch: {size: 10}}]") }
    }
}

@Suite struct RateConfigurationTests {
    func parse(_ yaml: String) throws(ConfigurationError) -> AcuhookSettings {
        try ConfigurationLoader.parse(yaml: yaml, file: "acuhook.yaml", baseDirectory: "/etc/acuhook", environment: [:])
    }

    @Test func rateIsATextOrALimitWithABurst() throws {
        let configuration = try parse("""
            plugins:
              - path: a.so
                rate: 10/s
              - path: b.so
                rate: {limit: 600/m, burst: 20}
              - path: c.so
            """)
        let rates = configuration.pluginHost.plugins.map(\.rate)
        #expect(rates == [RateSettings(perSecond: 10), RateSettings(perSecond: 10, burst: 20), nil])
        #expect(throws: ConfigurationError.self) { try parse("plugins: [{path: a.so, rate: 10}]") }
        #expect(throws: ConfigurationError.self) { try parse("plugins: [{path: a.so, rate: {burst: 5}}]") }
        #expect(throws: ConfigurationError.self) { try parse("plugins: [{path: a.so, rate: {limit: 5/s, burst: 0}}]") }
    }
}
