import AcuhookTesting
import AcuhookTestingHTTP
import Foundation
import Testing

/// The drop-in plugins folder under a running application.
@Suite struct PluginFolderTests {
    /// The drop-in plugins folder under a running application: a plugin dropped in starts
    /// receiving, a new build replacing it runs every job exactly once across the switch, a
    /// removed plugin's pending jobs wait (and run once it is back), and a broken file changes
    /// nothing for the others.
    @Test func pluginsDroppedInTheFolderStartAreReplacedAndLeaveWithoutLosingAJob() async throws {
        try await HeavyTests.oneAtATime {
            let dir = try FixturePlugins.temporaryDirectory()
            let folder = dir.appendingPathComponent("plugins")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let config = try FixturePlugins.writeConfiguration(in: dir, "dispatch: {idle_poll: 50ms}\nplugin_host: {directory: plugins}\n")
            let app = try await RunningApplication.start(config: config)
            let admin = try #require(app.adminURL)

            /// Copies `source` into the folder as `name`, then renames it into place (as the README says).
            func drop(_ source: String, as name: String, appending extra: String? = nil) throws {
                let temporary = folder.appendingPathComponent(".\(name).part")
                try? FileManager.default.removeItem(at: temporary)
                var bytes = try Data(contentsOf: URL(fileURLWithPath: source))
                if let extra { bytes.append(Data(extra.utf8)) }  // a different build: other bytes, same code
                try bytes.write(to: temporary)
                _ = rename(temporary.path, folder.appendingPathComponent(name).path)
            }
            /// The entity ids customer-sync wrote, one line per call.
            func calls() -> [String] {
                let text = (try? String(contentsOf: dir.appendingPathComponent("customers.jsonl"), encoding: .utf8)) ?? ""
                return text.split(separator: "\n").compactMap { line in
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String
                }
            }
            func send(_ id: String) async throws {
                let sent = try await runCommand(
                    FixturePlugins.acuhookExecutable,
                    ["send", "Customer.Updated", "--config", config.path, "--entity-id", id, "--url", "\(app.webhookURL())"]
                )
                #expect(sent.status == 0, "\(sent.stderr)")
            }
            func plugins() async throws -> [[String: Any]] { (try await httpGet("\(admin)/plugins")["plugins"] as? [[String: Any]]) ?? [] }
            func loaded(_ name: String) async throws -> Bool { try await plugins().contains { $0["name"] as? String == name && $0["status"] as? String == "loaded" } }
            func pending() async throws -> Int { (try await httpGet("\(admin)/jobs")["jobs"] as? [String: Int])?["pending"] ?? 0 }

            // Dropped in: a broken file and customer-sync with its sidecar.
            try drop(FixturePlugins.path("FixtureWrongABI"), as: "libBroken.so")
            try "config: {output: \(dir.path)/customers.jsonl}\n".write(to: folder.appendingPathComponent("libCustomerSync.yaml"), atomically: true, encoding: .utf8)
            try drop(FixturePlugins.path("CustomerSync"), as: "libCustomerSync.so")
            #expect(try await waitFor { try await loaded("customer-sync") })
            let broken = try await plugins().first { ($0["path"] as? String)?.hasSuffix("libBroken.so") == true }
            #expect((broken?["status"] as? String)?.hasPrefix("abi_mismatch") == true)
            try await send("first")
            #expect(try await waitFor { calls() == ["first"] })

            // A new build replaces it while deliveries flow: every job runs exactly once.
            let ids = (1...16).map { "flow-\($0)" }
            for (index, id) in ids.enumerated() {
                if index == 4 { try drop(FixturePlugins.path("CustomerSync"), as: "libCustomerSync.so", appending: "rebuilt") }
                try await send(id)
            }
            #expect(try await waitFor { app.logged(nil, "acuhook.reload.replaced", containing: "customer-sync") })
            #expect(try await waitFor { Set(calls()).isSuperset(of: ids) })
            try await Task.sleep(for: .milliseconds(300))
            #expect(calls().sorted() == (["first"] + ids).sorted(), "each job ran exactly once")

            // Held, then removed: its pending jobs wait; back in the folder, they run once.
            let open = try await runCommand(FixturePlugins.acuhookExecutable, ["breaker", "open", "customer-sync", "--config", config.path])
            #expect(open.status == 0, "\(open.stderr)")
            #expect(try await waitFor { try await plugins().contains { $0["breaker"] as? String == "forced-open" } })
            for id in ["held-1", "held-2", "held-3"] { try await send(id) }
            #expect(try await waitFor { try await pending() == 3 })
            try FileManager.default.removeItem(at: folder.appendingPathComponent("libCustomerSync.so"))
            #expect(try await waitFor { try await !plugins().contains { $0["name"] as? String == "customer-sync" } })
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await pending() == 3, "a removed plugin's jobs wait")
            try drop(FixturePlugins.path("CustomerSync"), as: "libCustomerSync.so")
            #expect(try await waitFor { try await loaded("customer-sync") })
            let reset = try await runCommand(FixturePlugins.acuhookExecutable, ["breaker", "reset", "customer-sync", "--config", config.path])
            #expect(reset.status == 0, "\(reset.stderr)")
            #expect(try await waitFor { Set(calls()).isSuperset(of: ["held-1", "held-2", "held-3"]) })
            try await Task.sleep(for: .milliseconds(300))
            #expect(calls().count == 1 + ids.count + 3)
            #expect(try await waitFor { try await pending() == 0 })
            try await app.stop()
        }
    }
}
