import AcuhookTesting
import AcuhookTestingHTTP
import Foundation
import Testing

/// Alerts of a running application, reaching a real webhook receiver.
@Suite struct AlertTests {
    /// A webhook receiver in Python (a separate real process) that appends each POSTed body to
    /// a file, one per line.
    struct WebhookSink {
        let process: Process
        let port: Int
        let received: URL

        static func start(in directory: URL) async throws -> WebhookSink {
            let script = directory.appendingPathComponent("sink.py")
            let received = directory.appendingPathComponent("received.jsonl")
            let portFile = directory.appendingPathComponent("sink.port")
            try """
                import http.server, sys
                class Sink(http.server.BaseHTTPRequestHandler):
                    def do_POST(self):
                        body = self.rfile.read(int(self.headers["Content-Length"]))
                        with open(sys.argv[1], "ab") as f:
                            f.write(body + b"\\n")
                        self.send_response(200)
                        self.end_headers()
                    def log_message(self, *args):
                        pass
                server = http.server.HTTPServer(("127.0.0.1", 0), Sink)
                with open(sys.argv[2], "w") as f:
                    f.write(str(server.server_port))
                server.serve_forever()
                """.write(to: script, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script.path, received.path, portFile.path]
            try process.run()
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                    return WebhookSink(process: process, port: port, received: received)
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "the webhook sink did not start"])
        }

        /// The `alert` objects received so far.
        var alerts: [[String: Any]] {
            let text = (try? String(contentsOf: received, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["alert"] as? [String: Any]
            }
        }

        func has(_ rule: String, _ subject: String, _ state: String) -> Bool {
            alerts.contains { $0["rule"] as? String == rule && $0["subject"] as? String == subject && $0["state"] as? String == state }
        }
    }

    @Test func alertsFireOncePerEpisodeResolveAndReachAWebhook() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let sink = try await WebhookSink.start(in: dir)
        // SIGKILL: the test process may block SIGTERM, and children inherit the blocked mask.
        defer { kill(sink.process.processIdentifier, SIGKILL) }
        let config = try FixturePlugins.writeConfiguration(
            in: dir,
            """
            dispatch:
              retry: {max_attempts: 1}
              idle_poll: 50ms
            plugins:
              - path: \(FixturePlugins.path("FixtureScripted"))
                events: ["Fixture.*"]
            alerts:
              webhooks: [http://127.0.0.1:\(sink.port)/hook]
              interval: 100ms
              minimum_interval: 0s
              breaker: {for: 0s}
              dead_letters: {growth: 5, window: 1m}
              silence: {for: 1s}
            """
        )
        let app = try await RunningApplication.start(config: config)
        let admin = try #require(app.adminURL)

        // Nothing received for a second since start-up: erp is quiet.
        #expect(try await waitFor { sink.has("silence", "erp", "firing") })
        // Five failures open the breaker; their jobs, out of attempts, are dead letters.
        for index in 0..<5 {
            _ = try await runCommand(
                FixturePlugins.acuhookExecutable,
                ["send", "Fixture.Test", "--entity-id", "retry", "--delivery-id", "r\(index)", "--config", config.path, "--url", "\(app.webhookURL())"]
            )
        }
        #expect(try await waitFor { sink.has("silence", "erp", "resolved") })
        #expect(try await waitFor { sink.has("breaker", "fixture-scripted", "firing") })
        #expect(try await waitFor { sink.has("dead_letters", "dead-letter queue", "firing") })
        let (status, _) = try await httpPost("\(admin)/plugins/fixture-scripted/breaker", body: #"{"action":"reset"}"#)
        #expect(status == 200)
        #expect(try await waitFor { sink.has("breaker", "fixture-scripted", "resolved") })
        // Once per episode: one firing message for the breaker however many checks saw it open.
        #expect(sink.alerts.filter { $0["rule"] as? String == "breaker" && $0["state"] as? String == "firing" }.count == 1)
        try await app.stop()
        #expect(app.logged("alert firing", "acuhook.alert.rule", containing: "breaker") && app.logged("alert resolved"))
    }
}
