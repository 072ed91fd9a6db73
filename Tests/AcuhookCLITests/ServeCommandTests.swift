import AcuhookSQLite
import AcuhookStore
import AcuhookTesting
import AcuhookTestingHTTP
import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Testing

/// `acuhook serve` and `acuhook send` as a user runs them: real processes, real loopback HTTP.
@Suite(.serialized) struct ServeCommandTests {
    /// A running `acuhook serve`, its log file and the port it bound.
    struct Server {
        let process: Process
        let log: URL
        let port: Int

        /// Starts `acuhook serve` with `arguments`, through `launcher` when given (`prlimit …`),
        /// with `environment` added to this process's.
        static func start(
            arguments: [String], in directory: URL, launcher: [String] = [], environment: [String: String] = [:], timeout: Duration = .seconds(60)
        ) async throws -> Server {
            let log = directory.appendingPathComponent("serve.log")
            let out = directory.appendingPathComponent("serve.out")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            FileManager.default.createFile(atPath: out.path, contents: nil)
            let process = Process()
            if launcher.isEmpty {
                process.executableURL = URL(fileURLWithPath: FixturePlugins.acuhookExecutable)
                process.arguments = ["serve"] + arguments
            } else {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = launcher + [FixturePlugins.acuhookExecutable, "serve"] + arguments
            }
            process.currentDirectoryURL = directory
            if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
            process.standardError = try FileHandle(forWritingTo: log)
            process.standardOutput = try FileHandle(forWritingTo: out)
            try process.run()
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if let range = text.range(of: #"acuhook\.url=https?://[0-9.]+:([0-9]+)/"#, options: .regularExpression) {
                    let match = String(text[range])
                    let port = Int(match.split(separator: ":").last!.dropLast()) ?? 0
                    return Server(process: process, log: log, port: port)
                }
                if !process.isRunning { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            process.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "serve did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")"])
        }

        /// The admin API's base URL from the log (`…/admin`), waiting for its listener to start.
        func adminURL() async throws -> String? {
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if let range = text.range(of: #"acuhook\.admin\.url=https?://[0-9.]+:[0-9]+/admin"#, options: .regularExpression) {
                    return String(text[range].dropFirst("acuhook.admin.url=".count))
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }

        /// Sends SIGTERM and waits (off the cooperative pool); returns the exit status.
        func stop() async -> Int32 {
            process.terminate()
            let process = process
            return await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    process.waitUntilExit()
                    continuation.resume(returning: process.terminationStatus)
                }
            }
        }
    }

    @Test func serveWithAConfigReceivesWhatSendSendsAndStopsGracefully() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let config = dir.appendingPathComponent("acuhook.yaml")
        try """
            server: {host: 127.0.0.1, port: 0}
            store: {path: data/inbox.db}
            sources:
              - name: erp
                auth: {scheme: hmac-sha256, secrets: [cli-secret]}
              - name: push
                format: push-notification
                auth: {scheme: header-secret, header: CustomAuthorization, secret: push-token}
                push_routes:
                  "Stock Items": {entity: StockItem, keys: [InventoryID]}
            dispatch:
              retry: {base_delay: 50ms, max_delay: 100ms, max_attempts: 2, jitter: none}
              idle_poll: 50ms
            plugins:
              - path: \(FixturePlugins.path("CustomerSync"))
                config: {output: \(dir.path)/customers.jsonl}
              - path: \(FixturePlugins.path("StockLog"))
                config: {path: \(dir.path)/stock.tsv}
              - path: \(FixturePlugins.path("FixtureScripted"))
                events: ["Fixture.*"]
            """.write(to: config, atomically: true, encoding: .utf8)
        let server = try await Server.start(arguments: ["--config", config.path], in: dir)
        let seed = try await runCommand(
            FixturePlugins.acuhookExecutable,
            ["send", "SalesOrder.Inserted", "--config", config.path, "--source", "erp", "--url", "http://127.0.0.1:\(server.port)/webhooks/erp", "--delivery-id", "cli-1"]
        )
        #expect(seed.status == 0, "\(seed.stderr)")
        #expect(seed.stdout.contains(#"→ 200 {"received":true,"duplicate":false,"events":1}"#))
        let again = try await runCommand(
            FixturePlugins.acuhookExecutable,
            ["send", "SalesOrder.Inserted", "--config", config.path, "--url", "http://127.0.0.1:\(server.port)/webhooks/erp", "--delivery-id", "cli-1"]
        )
        #expect(again.stdout.contains(#""duplicate":true"#))
        let push = try await runCommand(
            FixturePlugins.acuhookExecutable,
            ["send", "--push-notification", "--config", config.path, "--source", "push", "--url", "http://127.0.0.1:\(server.port)/webhooks/push"]
        )
        #expect(push.status == 0, "\(push.stdout)\(push.stderr)")
        let wrong = try await runCommand(
            FixturePlugins.acuhookExecutable,
            ["send", "--secret", "not-it", "--url", "http://127.0.0.1:\(server.port)/webhooks/erp"]
        )
        #expect(wrong.status != 0 && wrong.stdout.contains("401"))

        // Dispatch: the customer reaches customer-sync, the push notification reaches stock-log,
        // and a rejected event lands in the dead-letter queue, where the CLI finds and replays it.
        let customer = try await runCommand(FixturePlugins.acuhookExecutable, ["send", "Customer.Updated", "--config", config.path, "--url", "http://127.0.0.1:\(server.port)/webhooks/erp"])
        #expect(customer.status == 0)
        let rejected = try await runCommand(
            FixturePlugins.acuhookExecutable,
            ["send", "Fixture.Test", "--entity-id", "reject", "--config", config.path, "--url", "http://127.0.0.1:\(server.port)/webhooks/erp"]
        )
        #expect(rejected.status == 0)
        #expect(try await waitFor { ((try? String(contentsOf: dir.appendingPathComponent("customers.jsonl"), encoding: .utf8)) ?? "").contains(#""id":"CUST001""#) })
        #expect(try await waitFor { ((try? String(contentsOf: dir.appendingPathComponent("stock.tsv"), encoding: .utf8)) ?? "").contains("StockItem.Updated") })
        #expect(try await waitFor { try await runCommand(FixturePlugins.acuhookExecutable, ["dlq", "list", "--config", config.path]).stdout.contains("1 dead-lettered job(s)") })
        let list = try await runCommand(FixturePlugins.acuhookExecutable, ["dlq", "list", "--config", config.path, "--reason", "rejected"])
        let row = try #require(list.stdout.split(separator: "\n").first { $0.contains("fixture-scripted") })
        let jobID = String(row.split(separator: " ").first ?? "")
        let show = try await runCommand(FixturePlugins.acuhookExecutable, ["dlq", "show", jobID, "--config", config.path])
        #expect(show.stdout.contains("reason:       rejected") && show.stdout.contains("bad data (fixture)"))
        let replay = try await runCommand(FixturePlugins.acuhookExecutable, ["dlq", "replay", jobID, "--config", config.path])
        #expect(replay.stdout.contains("replayed 1 job(s)"))
        #expect(try await waitFor {
            try await runCommand(FixturePlugins.acuhookExecutable, ["dlq", "show", jobID, "--config", config.path]).stdout.components(separatedBy: "bad data (fixture)").count == 3
        })

        // The admin API (its own loopback listener) reports the same plugins and dead letters.
        let adminURL = try #require(try await server.adminURL())
        let plugins = try await httpGet("\(adminURL)/plugins")
        let names = ((plugins["plugins"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["customer-sync", "stock-log", "fixture-scripted"])
        let customerSync = ((plugins["plugins"] as? [[String: Any]]) ?? []).first { $0["name"] as? String == "customer-sync" }
        #expect(((customerSync?["counters"] as? [String: Any])?["calls"] as? Int ?? 0) >= 1)
        #expect(customerSync?["breaker"] as? String == "closed")
        let jobs = try await httpGet("\(adminURL)/jobs")
        #expect((jobs["jobs"] as? [String: Int])?["done"] ?? 0 >= 2)

        #expect(await server.stop() == 0)
        let log = try String(contentsOf: server.log, encoding: .utf8)
        #expect(log.contains("acuhook stopped"))
        #expect(log.contains("delivery refused") && log.contains("acuhook.error.code=invalid_signature"))

        let store = try SQLiteEventStore(configuration: .init(path: dir.appendingPathComponent("data/inbox.db").path), logger: Logger(label: "test"))
        let events = try await store.events(after: 0, limit: 10)
        #expect(events.map(\.event.eventType) == ["SalesOrder.Inserted", "StockItem.Updated", "Customer.Updated", "Fixture.Test"])
    }

    @Test func breakerAndRouteOverridesFromTheCLIApplyLiveAndSurviveARestart() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let config = dir.appendingPathComponent("acuhook.yaml")
        try """
            server: {host: 127.0.0.1, port: 0}
            store: {path: data/inbox.db}
            sources:
              - name: erp
                auth: {scheme: hmac-sha256, secrets: [cli-secret]}
            dispatch: {idle_poll: 50ms}
            plugins:
              - path: \(FixturePlugins.path("CustomerSync"))
                config: {output: \(dir.path)/customers.jsonl}
            """.write(to: config, atomically: true, encoding: .utf8)
        func breaker(_ admin: String) async throws -> String? {
            ((try await httpGet("\(admin)/plugins")["plugins"] as? [[String: Any]])?.first)?["breaker"] as? String
        }
        func customers() -> String { (try? String(contentsOf: dir.appendingPathComponent("customers.jsonl"), encoding: .utf8)) ?? "" }

        var server = try await Server.start(arguments: ["--config", config.path], in: dir)
        var admin = try #require(try await server.adminURL())
        let unknown = try await runCommand(FixturePlugins.acuhookExecutable, ["breaker", "open", "nobody", "--config", config.path])
        #expect(unknown.status != 0 && unknown.stderr.contains("no plugin named 'nobody'"))
        let open = try await runCommand(FixturePlugins.acuhookExecutable, ["breaker", "open", "customer-sync", "--config", config.path])
        #expect(open.status == 0, "\(open.stderr)")
        #expect(try await waitFor { try await breaker(admin) == "forced-open" })
        let sent = try await runCommand(FixturePlugins.acuhookExecutable, ["send", "Customer.Updated", "--config", config.path, "--url", "http://127.0.0.1:\(server.port)/webhooks/erp"])
        #expect(sent.status == 0)
        try await Task.sleep(for: .milliseconds(500))
        #expect(!customers().contains("CUST001"), "the held plugin is not called")

        // Restart: the override is stored, so the breaker is still held and the job still waits.
        #expect(await server.stop() == 0)
        server = try await Server.start(arguments: ["--config", config.path], in: dir)
        admin = try #require(try await server.adminURL())
        #expect(try await breaker(admin) == "forced-open")
        #expect((try await httpGet("\(admin)/jobs")["jobs"] as? [String: Int])?["pending"] == 1)
        let reset = try await runCommand(FixturePlugins.acuhookExecutable, ["breaker", "reset", "customer-sync", "--config", config.path])
        #expect(reset.status == 0)
        #expect(try await waitFor { customers().contains("CUST001") })
        #expect(try await breaker(admin) == "closed")

        // Routes: disable one type at runtime; `acuhook routes` says where each route comes from.
        let disable = try await runCommand(FixturePlugins.acuhookExecutable, ["plugins", "disable", "customer-sync", "--event", "Customer.Deleted", "--config", config.path])
        #expect(disable.status == 0, "\(disable.stderr)")
        let routes = try await runCommand(FixturePlugins.acuhookExecutable, ["routes", "--config", config.path, "--event", "Customer.Deleted", "--event", "Customer.Created"])
        #expect(routes.stdout.contains("Customer.Deleted") && routes.stdout.contains("(none)"))
        #expect(routes.stdout.contains("customer-sync [runtime override]"))
        #expect(try await waitFor {
            let entries = (try await httpGet("\(admin)/routes")["routes"] as? [[String: Any]]) ?? []
            return (entries.first?["disabled_events"] as? [String]) == ["Customer.Deleted"]
        })
        #expect(await server.stop() == 0)
    }

    @Test func reloadOnAdminRequestAndSIGHUPSwitchesPluginsAndABadConfigChangesNothing() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let config = dir.appendingPathComponent("acuhook.yaml")
        func write(output: String, extra: String = "") throws {
            try """
                server: {host: 127.0.0.1, port: 0}
                store: {path: data/inbox.db}
                sources:
                  - name: erp
                    auth: {scheme: hmac-sha256, secrets: [cli-secret]}
                dispatch: {idle_poll: 50ms}
                plugins:
                  - path: \(FixturePlugins.path("CustomerSync"))
                    config: {output: \(dir.path)/\(output)}
                \(extra)
                """.write(to: config, atomically: true, encoding: .utf8)
        }
        func file(_ name: String) -> String { (try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        func send(_ id: String) async throws {
            let sent = try await runCommand(
                FixturePlugins.acuhookExecutable,
                ["send", "Customer.Updated", "--config", config.path, "--delivery-id", id, "--url", "http://127.0.0.1:\(server.port)/webhooks/erp"]
            )
            #expect(sent.status == 0)
        }
        try write(output: "first.jsonl")
        let server = try await Server.start(arguments: ["--config", config.path], in: dir)
        let admin = try #require(try await server.adminURL())
        try await send("d1")
        #expect(try await waitFor { file("first.jsonl").contains("CUST001") })

        // The admin API: the changed plugin settings are loaded and take the next events.
        try write(output: "second.jsonl")
        let (status, report) = try await httpPost("\(admin)/reload", body: "")
        #expect(status == 200)
        #expect(report["applied"] as? Bool == true)
        #expect(report["replaced"] as? [String] == ["customer-sync"])
        try await send("d2")
        #expect(try await waitFor { file("second.jsonl").contains("CUST001") })

        // A configuration that does not load is refused and the running plugins carry on.
        try write(output: "third.jsonl", extra: "  - path: \(FixturePlugins.path("FixtureWrongABI"))")
        let (refusedStatus, refused) = try await httpPost("\(admin)/reload", body: "")
        #expect(refusedStatus == 422)
        #expect(refused["applied"] as? Bool == false)
        #expect(((refused["errors"] as? [String]) ?? []).contains { $0.contains("ABI") })
        try await send("d3")
        #expect(try await waitFor { file("second.jsonl").components(separatedBy: "CUST001").count == 3 })

        // SIGHUP does the same as the admin request.
        try write(output: "fourth.jsonl")
        kill(server.process.processIdentifier, SIGHUP)
        #expect(try await waitFor { ((try? String(contentsOf: server.log, encoding: .utf8)) ?? "").components(separatedBy: "reload applied").count == 3 })
        try await send("d4")
        #expect(try await waitFor { file("fourth.jsonl").contains("CUST001") })
        #expect(server.process.isRunning)
        #expect(await server.stop() == 0)
    }

    @Test func serveWithoutAConfigGeneratesASecretOnceAndSendUsesIt() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let server = try await Server.start(arguments: [], in: dir)
        
        let secretFile = dir.appendingPathComponent("acuhook-data/secret")
        let attributes = try FileManager.default.attributesOfItem(atPath: secretFile.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let secret = try String(contentsOf: secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.count == 64)
        // Run from the same folder, send finds the generated secret by itself.
        let sent = try await runCommand(FixturePlugins.acuhookExecutable, ["send", "Customer.Updated", "--url", "http://127.0.0.1:\(server.port)/webhooks/acumatica"], in: dir)
        #expect(sent.status == 0, "\(sent.stdout)\(sent.stderr)")
        #expect(await server.stop() == 0)
        let printed = try String(contentsOf: dir.appendingPathComponent("serve.out"), encoding: .utf8)
        #expect(printed.contains(secret) && printed.contains("acuhook send Customer.Updated"))
        #expect(server.port == 8080)
    }
}
