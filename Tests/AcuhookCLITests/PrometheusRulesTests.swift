import AcuhookTesting
import Foundation
import Testing

/// examples/prometheus-alerts.yaml, checked and unit-tested by Prometheus' own promtool
/// (Debian's `prometheus` package, installed by scripts/test.sh).
@Suite struct PrometheusRulesTests {
    let promtool = "/usr/bin/promtool"

    @Test func theExampleAlertRulesAreValidAndFireOnTheSeriesAcuhookExports() async throws {
        guard FileManager.default.isExecutableFile(atPath: promtool) else {
            Issue.record("promtool is not installed (scripts/test.sh installs Debian's prometheus package)")
            return
        }
        let check = try await runCommand(promtool, ["check", "rules", "examples/prometheus-alerts.yaml"], in: packageRoot)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("SUCCESS: 9 rules found"))
        let test = try await runCommand(promtool, ["test", "rules", "acuhook-alerts.test.yaml"], in: packageRoot.appendingPathComponent("Tests/PrometheusRules"))
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
    }
}
