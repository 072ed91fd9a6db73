import AcuhookTesting
import Foundation
import Testing

/// Plugins/http-forward under a running `acuhook serve`: events go to a local HTTPS server with a
/// self-signed certificate made at test time, whose signature check is the PyPI
/// `standardwebhooks` library's (Tests/HTTPForward/receiver.py), not Acuhook's.
@Suite(.serialized) struct HTTPForwardTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    /// A receiver.py process, its port and its request log.
    struct Receiver {
        let process: Process
        let port: Int
        let log: URL
        let certificate: String

        static func start(in dir: URL) async throws -> Receiver {
            let certificate = dir.appendingPathComponent("cert.pem").path
            let key = dir.appendingPathComponent("key.pem").path
            let made = try await runCommand("/usr/bin/env", [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ])
            #expect(made.status == 0, "\(made.stderr)")
            let log = dir.appendingPathComponent("requests.jsonl")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", packageRoot.appendingPathComponent("Tests/HTTPForward/receiver.py").path, "0", certificate, key, HTTPForwardTests.secret, log.path]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let line = String(decoding: output.fileHandleForReading.availableDataLine(), as: UTF8.self)
            let port = Int(line.split(separator: " ").last ?? "") ?? 0
            #expect(port > 0, "receiver.py did not start: \(line)")
            return Receiver(process: process, port: port, log: log, certificate: certificate)
        }

        /// Every request logged so far.
        func requests() -> [[String: Any]] {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        func stop() { kill(process.processIdentifier, SIGKILL) }
    }

    @Test func eventsArriveSignedTransientFailuresRetryAndRejectionsAreDeadLettered() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let receiver = try await Receiver.start(in: dir)
        defer { receiver.stop() }
        let config = try FixturePlugins.writeConfiguration(in: dir, """
            dispatch:
              idle_poll: 50ms
              retry: {base_delay: 50ms, max_delay: 100ms, max_attempts: 5}
            plugins:
              - path: \(FixturePlugins.path("HttpForward"))
                events: ["Customer.*"]
                config:
                  url: https://127.0.0.1:\(receiver.port)/hook
                  secret: \(Self.secret)
                  ca_file: \(receiver.certificate)
                  header_name: Authorization
                  header_value: Bearer relay-token

            """)
        let server = try await ServeCommandTests.Server.start(arguments: ["--config", config.path], in: dir)
        let admin = try #require(try await server.adminURL())
        for entity in ["ok-1", "fail-500", "bad-400"] {
            let sent = try await runCommand(
                FixturePlugins.acuhookExecutable,
                ["send", "Customer.Updated", "--config", config.path, "--entity-id", entity, "--url", "http://127.0.0.1:\(server.port)/webhooks/erp"]
            )
            #expect(sent.status == 0, "\(sent.stderr)")
        }
        func of(_ entity: String) -> [[String: Any]] { receiver.requests().filter { $0["entity"] as? String == entity } }
        #expect(try await waitFor { of("fail-500").last?["status"] as? Int == 200 && !of("ok-1").isEmpty && !of("bad-400").isEmpty })
        let all = receiver.requests()
        #expect(all.allSatisfy { $0["verified"] as? Bool == true }, "every request's signature verifies with standardwebhooks: \(all)")
        #expect(all.allSatisfy { $0["authorization"] as? String == "Bearer relay-token" })
        #expect(of("ok-1").map { $0["status"] as? Int } == [200])
        // 500 twice, then 200: retried, with one webhook-id throughout (the receiver can deduplicate).
        #expect(of("fail-500").map { $0["status"] as? Int } == [500, 500, 200])
        #expect(Set(of("fail-500").compactMap { $0["id"] as? String }).count == 1)
        // 400: not retried, dead-lettered with the status and the answer.
        #expect(try await waitFor { try await httpText("\(admin)/dlq").body.contains("HTTP 400: no such customer") })
        #expect(of("bad-400").count == 1)
        #expect(await server.stop() == 0)
    }

    /// The plugin loses nothing: loaded into a process built with LeakSanitizer, called 25 times
    /// over TLS, destroyed; LeakSanitizer fails the run on any leak.
    @Test func itLeaksNothingUnderLeakSanitizer() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let receiver = try await Receiver.start(in: dir)
        defer { receiver.stop() }
        let driver = dir.appendingPathComponent("leakcheck").path
        let built = try await runCommand("/usr/bin/env", [
            "cc", "-fsanitize=address", "-g", "-I", packageRoot.appendingPathComponent("Sources/CAcuhookPlugin/include").path,
            packageRoot.appendingPathComponent("Tests/HTTPForward/leakcheck.c").path, "-ldl", "-o", driver,
        ])
        #expect(built.status == 0, "\(built.stderr)")
        let config = #"{"url":"https://127.0.0.1:\#(receiver.port)/hook","secret":"\#(Self.secret)","ca_file":"\#(receiver.certificate)","header_name":"Authorization","header_value":"Bearer t"}"#
        let run = try await runCommand(driver, [FixturePlugins.path("HttpForward"), config, "25"], environment: ["ASAN_OPTIONS": "detect_leaks=1"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("calls 25 ok 25"))
        #expect(!run.stderr.contains("LeakSanitizer"))
    }
}

extension FileHandle {
    /// Bytes up to the first newline (blocking), without it.
    func availableDataLine() -> Data {
        var line = Data()
        while let byte = try? read(upToCount: 1), let first = byte.first, first != 0x0A { line.append(first) }
        return line
    }
}
