import AcuhookTesting
import Foundation
import Testing

/// The console of a running application in a real browser.
@Suite struct ConsoleBrowserTests {
    /// The console in a real browser: headless Chromium driven by Selenium
    /// (Tests/Browser/console_browser.py) against a running application with real plugins.
    /// Screenshots of each page go to `.build/console-screenshots/`.
    @Test func theConsoleWorksInARealBrowser() async throws {
        try await HeavyTests.oneAtATime {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
                Issue.record("chromium and chromium-driver are not installed (scripts/test.sh installs them)")
                return
            }
            let dir = try FixturePlugins.temporaryDirectory()
            let token = "browser-test-token-0123456789"
            let config = try FixturePlugins.writeConfiguration(
                in: dir,
                """
                admin: {token: \(token)}
                dispatch: {idle_poll: 50ms}
                plugins:
                  - path: \(FixturePlugins.path("CustomerSync"))
                    config: {output: \(dir.path)/customers.jsonl}
                  - path: \(FixturePlugins.path("FixtureScripted"))
                    events: ["Fixture.*"]
                """
            )
            let app = try await RunningApplication.start(config: config)
            let admin = try #require(app.adminURL)
            let url = "\(app.webhookURL())"
            // A customer whose fields hold markup, and an event the fixture plugin rejects.
            let script = dir.appendingPathComponent("script.json")
            try #"""
                {"eventType":"Customer.Updated","entityType":"Customer","entityId":"CUST-XSS","timestamp":"2026-12-01T10:00:00Z",
                 "data":{"CustomerName":{"value":"<script>alert('acuhook')</script>"},"Note":{"value":"<img src=x onerror=\"window.acuhookPwned=1\">"}},
                 "metadata":{"correlationId":"xss"}}
                """#.write(to: script, atomically: true, encoding: .utf8)
            for arguments in [
                ["send", "--file", script.path],  // keyed by its correlationId, "xss"
                ["send", "Fixture.Test", "--entity-id", "reject", "--delivery-id", "reject-1"],
            ] {
                let sent = try await runCommand(FixturePlugins.acuhookExecutable, arguments + ["--config", config.path, "--url", url])
                #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
            }
            let screenshots = packageRoot.appendingPathComponent(".build/console-screenshots")
            let browser = try await runCommand("/usr/bin/env", [
                "python3", packageRoot.appendingPathComponent("Tests/Browser/console_browser.py").path,
                "--console", admin.replacingOccurrences(of: "/admin", with: "/console"), "--token", token,
                "--webhook", url, "--secret", "cli-secret", "--screenshots", screenshots.path,
                "--script-key", "xss", "--reject-key", "reject-1",
            ])
            #expect(browser.status == 0, "\(browser.stdout)\(browser.stderr)")
            for page in ["login", "deliveries", "delivery", "plugins", "dlq", "routes"] {
                #expect(FileManager.default.fileExists(atPath: screenshots.appendingPathComponent("\(page).png").path), "\(page).png")
            }
            try await app.stop()
        }
    }
}
