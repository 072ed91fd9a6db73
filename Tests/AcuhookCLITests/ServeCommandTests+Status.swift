import AcuhookTesting
import Foundation
import Testing

extension ServeCommandTests {
    @Test func statusSummarisesAndTailFollowsUntilInterrupted() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let token = "status-test-token-0123456789"
        let config = try FixturePlugins.writeConfiguration(
            in: dir,
            """
            admin: {token: \(token)}
            dispatch: {idle_poll: 50ms}
            plugins:
              - path: \(FixturePlugins.path("FixtureScripted"))
                events: ["Fixture.*"]
            """
        )
        let server = try await Server.start(arguments: ["--config", config.path], in: dir)
        let admin = try #require(try await server.adminURL()).replacingOccurrences(of: "/admin", with: "")
        let url = "http://127.0.0.1:\(server.port)/webhooks/erp"

        // tail, following from the start; stopped with Ctrl-C (SIGINT) at the end.
        let tailOutput = dir.appendingPathComponent("tail.out")
        FileManager.default.createFile(atPath: tailOutput.path, contents: nil)
        let tail = Process()
        tail.executableURL = URL(fileURLWithPath: FixturePlugins.acuhookExecutable)
        tail.arguments = ["tail", "--admin", admin, "--token", token]
        tail.standardOutput = try FileHandle(forWritingTo: tailOutput)
        tail.standardError = FileHandle.nullDevice
        try tail.run()
        func tailed() -> String { (try? String(contentsOf: tailOutput, encoding: .utf8)) ?? "" }
        try await Task.sleep(for: .milliseconds(500))

        for arguments in [
            ["send", "Fixture.Test", "--entity-id", "ok", "--delivery-id", "s1"],
            ["send", "Fixture.Test", "--entity-id", "reject", "--delivery-id", "s2"],
            ["send", "Fixture.Test", "--entity-id", "ok", "--delivery-id", "s1"],
        ] {
            _ = try await runCommand(FixturePlugins.acuhookExecutable, arguments + ["--config", config.path, "--url", url])
        }
        _ = try await runCommand(FixturePlugins.acuhookExecutable, ["send", "--secret", "not-it", "--delivery-id", "bad-1", "--url", url])
        #expect(try await waitFor { tailed().contains("rejected → dead") && tailed().contains("401 invalid_signature") })
        let lines = tailed()
        #expect(lines.contains("delivery  erp  200 stored #1  s1"))
        #expect(lines.contains("delivery  erp  200 duplicate #1  s1"))
        #expect(lines.contains("job       fixture-scripted  Fixture.Test #1  ok → done"))
        kill(tail.processIdentifier, SIGINT)
        let status = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                tail.waitUntilExit()
                continuation.resume(returning: tail.terminationStatus)
            }
        }
        #expect(status == 0)

        // status: for scripts, and for people.
        let json = try await runCommand(FixturePlugins.acuhookExecutable, ["status", "--admin", admin, "--token", token, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let source = try #require((report["sources"] as? [[String: Any]])?.first)
        #expect(source["name"] as? String == "erp" && source["deliveries_processed"] as? Int == 3 && source["errors"] as? Int == 1)
        #expect((report["dead_letters"] as? [[String: Any]])?.first?["reason"] as? String == "rejected")
        #expect((report["recent_errors"] as? [[String: Any]])?.first?["code"] as? String == "invalid_signature")
        let text = try await runCommand(FixturePlugins.acuhookExecutable, ["status", "--admin", admin, "--token", token])
        #expect(text.stdout.contains("fixture-scripted") && text.stdout.contains("dead 1") && text.stdout.contains("401 invalid_signature"))
        #expect(!text.stdout.contains("\u{1B}["), "no colour when not on a terminal")
        let refused = try await runCommand(FixturePlugins.acuhookExecutable, ["status", "--admin", admin])
        #expect(refused.status != 0 && refused.stderr.contains("the admin API answered 401"))
        #expect(await server.stop() == 0)
    }
}
