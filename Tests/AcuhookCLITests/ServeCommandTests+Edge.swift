import AcuhookTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `acuhook serve` facing hostile clients, as real processes over loopback: the hostile client
/// (Tests/Hostile/hostile.py) connects from 127.0.0.2, the good one from 127.0.0.1, with the
/// server's open-file limit held at systemd's default of 1,024 by `prlimit`; certificate
/// rotation (Tests/TLS/rotation.py) by replacing the files and by SIGHUP.
extension ServeCommandTests {
    /// Runs a Python script from Tests/ and decodes the JSON object it prints last.
    static func script(_ path: String, _ arguments: [String]) async throws -> [String: Any] {
        let output = try await runCommand("/usr/bin/env", ["python3", packageRoot.appendingPathComponent(path).path] + arguments)
        let line = output.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard output.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(path) failed (\(output.status)): \(output.stdout)\(output.stderr.suffix(2000))"])
        }
        return object
    }

    /// The process's CPU time so far (user and system), from /proc.
    static func cpuSeconds(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = text.lastIndex(of: ")")
        else { return 0 }
        let fields = text[text.index(after: end)...].split(separator: " ")
        // After the command: state is field 3, utime 14 and stime 15 (1-based), in clock ticks.
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A counter's value summed over the series of `/metrics` whose labels contain `labels`.
    static func metric(_ admin: String, _ name: String, _ labels: String) async throws -> Double {
        let base = admin.replacingOccurrences(of: "/admin", with: "")
        let (data, _) = try await URLSession.shared.data(from: URL(string: base + "/metrics")!)
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix(name + "{") && $0.contains(labels) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }

    @Test func hostileClientsLeaveTheGoodClientAnsweredUnderAnOpenFileLimitOf1024() async throws {
        try await HeavyTests.oneAtATime {
            let dir = try FixturePlugins.temporaryDirectory()
            // Deadlines shorter than the defaults, so that the run is short: the head 2 s, the body
            // judged against the minimum rate after 1 s.
            let config = try FixturePlugins.writeConfiguration(in: dir, server: """
                server:
                  host: 127.0.0.1
                  port: 0
                  limits: {header_timeout: 2s, body_timeout: 4s, min_body_rate_grace: 1s, idle_timeout: 3s}
                """, "admin: {host: 127.0.0.1, port: 0}\n")
            let server = try await Server.start(arguments: ["--config", config.path], in: dir, launcher: ["prlimit", "--nofile=1024:1024"])
            let admin = try #require(try await server.adminURL())
            let result = try await Self.script("Tests/Hostile/hostile.py", [
                "--port", "\(server.port)", "--secret", "cli-secret", "--source", "erp",
                "--slow", "3000", "--silent", "1000", "--trickle", "300", "--byte-interval", "5", "--reopen", "2", "--duration", "20",
            ])
            let refusedAtAccept = try await Self.metric(admin, "acuhook_connections_closed_total", #"reason="client_limit""#)
            let log = (try? String(contentsOf: server.log, encoding: .utf8)) ?? ""
            #expect(await server.stop() == 0)

            let good = try #require(result["good"] as? [String: Any])
            let sent = try #require(good["sent"] as? Int), answered = try #require(good["answered"] as? Int)
            #expect(sent >= 150, "\(good)")
            #expect(Double(answered) >= 0.99 * Double(sent), "\(good)")
            // No answer waited on a dropped SYN (a 1 s retransmit) or a timeout. Speed is not judged
            // here: the 100 ms p99 goal is measured on the release build by Benchmarks/hostile.sh
            // (the debug build's p99 here is ~50–110 ms, and over 500 ms on a machine busy with a build).
            #expect((good["p99_ms"] as? Double ?? .infinity) < 1_000, "\(good)")
            // Every hostile connection the server took was closed within its deadline (head 2 s;
            // a trickling body after its 1 s grace), with 3 s for a busy machine and the busy
            // client measuring it; the rest at accept.
            let hostile = try #require(result["hostile"] as? [String: [String: Any]])
            for (kind, deadline) in [("slow_head", 2.0), ("silent", 2.0), ("trickle", 1.0)] {
                let stats = try #require(hostile[kind])
                #expect((stats["opened"] as? Int ?? 0) > 0, "\(kind): \(stats)")
                #expect((stats["longest_life_s"] as? Double ?? .infinity) <= deadline + 3, "\(kind): \(stats)")
            }
            #expect(refusedAtAccept > 0)
            #expect(log.contains("acuhook.nofile=1024"))
        }
    }

    @Test func runningOutOfDescriptorsBacksOffInsteadOfSpinning() async throws {
        try await HeavyTests.oneAtATime {
            let dir = try FixturePlugins.temporaryDirectory()
            // Caps above the descriptors the process has: accept itself runs out.
            let config = try FixturePlugins.writeConfiguration(in: dir, server: """
                server:
                  host: 127.0.0.1
                  port: 0
                  limits: {max_connections: 5000, max_connections_per_client: 5000, header_timeout: 60s}
                """, "admin: {host: 127.0.0.1, port: 0}\n")
            let server = try await Server.start(arguments: ["--config", config.path], in: dir, launcher: ["prlimit", "--nofile=256:256"])
            let admin = try #require(try await server.adminURL())
            let before = Self.cpuSeconds(server.process.processIdentifier)
            let started = ContinuousClock.now
            _ = try await Self.script("Tests/Hostile/hostile.py", [
                "--port", "\(server.port)", "--secret", "cli-secret", "--source", "erp",
                "--slow", "400", "--silent", "0", "--trickle", "0", "--byte-interval", "5", "--reopen", "2", "--duration", "10",
            ])
            let elapsed = ContinuousClock.now - started
            let busy = Self.cpuSeconds(server.process.processIdentifier) - before
            let failures = try await Self.metric(admin, "acuhook_accept_errors_total", #"listener="receiver""#)
            let log = (try? String(contentsOf: server.log, encoding: .utf8)) ?? ""
            #expect(await server.stop() == 0)
            // Accepting failed, was counted about once a second, and the process did not spin
            // (a spinning accept loop burns a whole core: ~10 s of CPU in 10 s).
            #expect(failures >= 1 && failures <= Double(elapsed.components.seconds) + 5, "\(failures) failures")
            #expect(busy < 0.5 * Double(elapsed.components.seconds), "\(busy) s of CPU in \(elapsed)")
            #expect(log.contains("accept failed: out of descriptors or memory"))
        }
    }

    @Test func certificatesRotateByReplacingTheFilesAndBySIGHUPWithoutDroppingConnections() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        for (name, serial) in [("first", "0x0a0a"), ("next", "0x0b0b"), ("other", "0x0c0c")] {
            let made = try await runCommand("/usr/bin/env", [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "30", "-set_serial", serial,
                "-keyout", dir.appendingPathComponent("key-\(name).pem").path, "-out", dir.appendingPathComponent("cert-\(name).pem").path,
            ])
            #expect(made.status == 0, "\(made.stderr)")
        }
        try FileManager.default.copyItem(at: dir.appendingPathComponent("cert-first.pem"), to: dir.appendingPathComponent("cert.pem"))
        try FileManager.default.copyItem(at: dir.appendingPathComponent("key-first.pem"), to: dir.appendingPathComponent("key.pem"))
        let config = try FixturePlugins.writeConfiguration(in: dir, server: "server: {host: 127.0.0.1, port: 0, tls: {certificate: cert.pem, key: key.pem}}", "admin: {host: 127.0.0.1, port: 0}\n")
        let server = try await Server.start(arguments: ["--config", config.path], in: dir)
        let admin = try #require(try await server.adminURL())
        let result = try await Self.script("Tests/TLS/rotation.py", ["--port", "\(server.port)", "--pid", "\(server.process.processIdentifier)", "--dir", dir.path])
        let status = try await acuhook("status", "--admin", admin.replacingOccurrences(of: "/admin", with: ""))
        #expect(await server.stop() == 0)

        let serials = try #require(result["serials"] as? [String: String])
        #expect(serials == ["start": "0a0a", "files_replaced": "0b0b", "sighup": "0a0a", "mismatched_key": "0a0a"])
        #expect(result["kept_alive"] as? [Int] == [200, 200, 200, 200])
        let ready = try #require(result["ready"] as? [String: Any])
        #expect(ready["ready"] as? Bool == true)
        let details = try #require(ready["details"] as? [String: String])
        #expect(details["tls.receiver"]?.contains("serving certificate 0a0a") == true)
        #expect(status.stdout.contains("certificate 0a0a") && status.stdout.contains("new certificate not loaded"))
    }
}
