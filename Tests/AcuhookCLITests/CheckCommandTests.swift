import AcuhookTesting
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// `acuhook check`, `--version`, `store backup|restore` and systemd's readiness, as an operator
/// (or the package's unit) runs them.
@Suite(.serialized) struct CheckCommandTests {
    private func configuration(in dir: URL, port: Int = 0, plugin: String = FixturePlugins.path("StockLog")) throws -> URL {
        try FixturePlugins.writeConfiguration(
            in: dir, server: "server: {host: 127.0.0.1, port: \(port)}",
            """
            admin: {enabled: false}
            plugins:
              - path: \(plugin)
                config: {path: \(dir.path)/stock.tsv}
            """
        )
    }

    @Test func aConfigurationServeCanStartOnPassesWithExitZeroAndAJSONReport() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let config = try configuration(in: dir)
        let text = try await acuhook("check", "--config", config.path)
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("ok     plugin        stock-log"))
        #expect(text.stdout.contains("will be created at first start"), "the store does not exist yet")
        let json = try await acuhook("check", "--config", config.path, "--json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(document["ok"] as? Bool == true)
        let names = (document["checks"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["configuration", "plugin", "store"], "port 0 is never in use: \(names)")
    }

    @Test func aBrokenFileExitsTwoWithFileLineAndColumn() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let config = dir.appendingPathComponent("acuhook.yaml")
        try "server: {host: 127.0.0.1, port: 0}\nstore: {path: data/x.db, retention: forever}\n".write(to: config, atomically: true, encoding: .utf8)
        let result = try await acuhook("check", "--config", config.path)
        #expect(result.status == 2)
        #expect(result.stdout.contains("\(config.path):2:"), "\(result.stdout)")
        #expect(result.stdout.contains("store.retention"))
    }

    @Test func aPluginThatCannotLoadOrAPortInUseExitsOne() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let missing = try configuration(in: dir, plugin: dir.appendingPathComponent("libNothing.so").path)
        let result = try await acuhook("check", "--config", missing.path)
        #expect(result.status == 1 && result.stdout.contains("failed plugin") && result.stdout.contains("libNothing.so"), "\(result.stdout)")

        // A port someone listens on.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(listen(listener, 1) == 0)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        let port = Int(UInt16(bigEndian: bound.sin_port))
        let busy = try configuration(in: dir, port: port)
        let taken = try await acuhook("check", "--config", busy.path)
        #expect(taken.status == 1 && taken.stdout.contains("127.0.0.1:\(port) is in use"), "\(taken.stdout)")
        #expect(try await acuhook("check", "--config", busy.path, "--skip-ports").status == 0)
    }

    @Test func versionNamesTheSwiftCompilerPluginsMustBeBuiltWith() async throws {
        let result = try await acuhook("--version")
        #expect(result.status == 0)
        #expect(result.stdout.contains("plugin ABI 1.1") && result.stdout.contains("built by Swift version "), "\(result.stdout)")
    }

    @Test func serveTellsSystemdReadyThenStoppingAndRestoreWaitsForItToStop() async throws {
        let dir = try FixturePlugins.temporaryDirectory()
        let config = try configuration(in: dir)
        // systemd's side: a datagram socket named by NOTIFY_SOCKET.
        let socketPath = dir.appendingPathComponent("notify").path
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(descriptor) }
        var name = sockaddr_un()
        name.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &name.sun_path) { $0.copyBytes(from: Array(socketPath.utf8)) }
        _ = withUnsafePointer(to: &name) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func receive() -> String {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
        }

        let server = try await ServeCommandTests.Server.start(arguments: ["--config", config.path], in: dir, environment: ["NOTIFY_SOCKET": socketPath])
        #expect(receive().hasPrefix("READY=1\nSTATUS=receiving on port"))
        let backup = dir.appendingPathComponent("backup.db").path
        let saved = try await acuhook("store", "backup", backup, "--config", config.path)
        #expect(saved.status == 0 && saved.stdout.contains("backed up"), "\(saved.stdout)\(saved.stderr)")
        let refused = try await acuhook("store", "restore", backup, "--config", config.path)
        #expect(refused.status == 1 && refused.stderr.contains("is open in another process"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("Usage:"), "a failure, not a usage mistake")
        #expect(await server.stop() == 0)
        #expect(receive() == "STOPPING=1\nSTATUS=stopping")
        let restored = try await acuhook("store", "restore", backup, "--config", config.path)
        #expect(restored.status == 0 && restored.stdout.contains("before-restore"), "\(restored.stdout)\(restored.stderr)")
    }
}
