import AcuhookConfig
import AcuhookCore
import Foundation
import Testing

/// The `alerts` section.
@Suite struct AlertConfigurationTests {
    let sources = """
        sources:
          - name: erp
            auth: {scheme: hmac-sha256, secrets: [s]}
        """

    func parse(_ alerts: String) throws -> AcuhookSettings {
        try ConfigurationLoader.parse(yaml: sources + "\n" + alerts, file: "acuhook.yaml", baseDirectory: "/etc/acuhook", environment: ["SLACK": "https://hooks.slack.com/services/T/B/X"])
    }

    func failure(_ alerts: String) -> ConfigurationError? {
        do {
            _ = try parse(alerts)
            return nil
        } catch let error as ConfigurationError {
            return error
        } catch {
            return nil
        }
    }

    @Test func readsEveryKeyAndTurnsRulesOff() throws {
        let alerts = try #require(try parse(
            """
            alerts:
              webhooks: ["${SLACK}", "http://127.0.0.1:9/hook"]
              interval: 30s
              minimum_interval: 10m
              maximum_per_minute: 5
              retry: {max_attempts: 3}
              breaker: {for: 2m}
              dead_letters: {growth: 50, window: 1h}
              failure_rate: false
              silence: {for: 2h, sources: [erp]}
              store: false
            """
        ).alerts)
        #expect(alerts.webhooks == ["https://hooks.slack.com/services/T/B/X", "http://127.0.0.1:9/hook"])
        #expect(alerts.interval == .seconds(30) && alerts.minimumInterval == .seconds(600) && alerts.maximumPerMinute == 5)
        #expect(alerts.retry.maxAttempts == 3)
        #expect(alerts.breaker?.for == .seconds(120))
        #expect(alerts.deadLetters?.growth == 50 && alerts.deadLetters?.window == .seconds(3600))
        #expect(alerts.failureRate == nil)
        #expect(alerts.silence?.for == .seconds(7200) && alerts.silence?.sources == ["erp"])
        #expect(alerts.store == false)
    }

    @Test func anEmptySectionMeansEveryDefaultRuleLoggedOnly() throws {
        let alerts = try #require(try parse("alerts:").alerts)
        #expect(alerts == AlertSettings())
        #expect(alerts.webhooks.isEmpty && alerts.breaker != nil && alerts.silence == nil)
        #expect(try parse("").alerts == nil)
        #expect(try parse("alerts: {silence: true}").alerts?.silence == AlertSettings.Silence())
    }

    @Test func mistakesAreNamed() {
        #expect(failure("alerts: {webhooks: [hooks.slack.com/x]}")?.description.contains("not an http(s) URL") == true)
        #expect(failure("alerts: {silence: {sources: [nope]}}")?.description.contains("'nope' is not a configured source") == true)
        #expect(failure("alerts: {failure_rate: {above: 2}}")?.description.contains("alerts.failure_rate.above") == true)
        #expect(failure("alerts: {page_me: true}")?.description.contains("page_me") == true)
    }
}
