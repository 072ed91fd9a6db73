import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import Testing

/// Whether `cargo` is on PATH (the Rust example is built and tested only then).
private let cargoAvailable: Bool = {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    return paths.contains { FileManager.default.isExecutableFile(atPath: "\($0)/cargo") }
}()

/// Plugins/rust-example: a plugin in Rust with the ABI declared by hand, built with cargo and
/// loaded like any other.
@Suite(.enabled(if: cargoAvailable, "cargo is not installed: the Rust example plugin is not built or tested"))
struct RustPluginTests {
    /// Builds the crate (offline: it has no dependencies) and returns the library's path.
    private func build() async throws -> String {
        let target = packageRoot.appendingPathComponent(".build/rust-example").path
        let manifest = packageRoot.appendingPathComponent("Plugins/rust-example/Cargo.toml").path
        let built = try await runCommand("/usr/bin/env", ["cargo", "build", "--release", "--offline", "--manifest-path", manifest, "--target-dir", target])
        #expect(built.status == 0, "\(built.stderr)")
        return target + "/release/libacuhook_rust_example.so"
    }

    @Test func theRustExampleBuildsLoadsAndAnswers() async throws {
        let path = try await build()
        let logger = Logger(label: "test")
        let image = try PluginLoader.load(path: path, logger: logger)
        #expect(image.name == "rust-audit" && image.version == "1.0.0" && image.abiMajor == 1)
        #expect(image.subscriptions == ["SalesOrder.*"] && image.threadSafe)
        let instance = try PluginInstance(image: image, configJSON: Array(#"{"reject_prefix": "TEST-"}"#.utf8), logger: logger)
        let order = PluginEvent(eventType: "SalesOrder.Updated", entityType: "SalesOrder", entityId: "SO-1", json: Array("{}".utf8))
        let first = instance.invoke(order, attempt: 2)
        #expect(first.outcome == .ok)
        #expect(first.output == Array(#"{"seen":1,"event":"SalesOrder.Updated"}"#.utf8))
        #expect(first.derived.map(\.eventType) == ["Audit.Recorded"])
        #expect(first.derived.first?.entityId == "SO-1")
        #expect(first.derived.first?.dataJSON == Array(#"{"order":"SO-1","attempt":2}"#.utf8))
        #expect(instance.invoke(order, attempt: 1).output == Array(#"{"seen":2,"event":"SalesOrder.Updated"}"#.utf8))
        let test = instance.invoke(PluginEvent(eventType: "SalesOrder.Inserted", entityId: "TEST-9", json: Array("{}".utf8)), attempt: 1)
        #expect(test.outcome == .rejected)
        #expect(test.message == "TEST-9 is a test order (reject_prefix TEST-)")

        // The batch entry (ABI 1.1): each event its own status, output and derived event.
        #expect(image.abiMinor == 1 && image.handlesBatches)
        let batch = ["SO-2", "TEST-3", "SO-4"].map { id in
            PluginCall(PluginEvent(eventType: "SalesOrder.Updated", entityType: "SalesOrder", entityId: id, json: Array("{}".utf8)), attempt: 1)
        }
        let results = instance.invoke(batch, asBatch: true)
        #expect(results.map(\.outcome) == [.ok, .rejected, .ok])
        #expect(results[0].output == Array(#"{"seen":3,"event":"SalesOrder.Updated"}"#.utf8))
        #expect(results[2].output == Array(#"{"seen":4,"event":"SalesOrder.Updated"}"#.utf8))
        #expect(results.map { $0.derived.map(\.entityId) } == [["SO-2"], [], ["SO-4"]])
    }

    @Test func pluginsRunCallsIt() async throws {
        let path = try await build()
        let result = try await acuhook("plugins", "run", path, "--event", "SalesOrder.Updated")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("rust-audit 1.0.0 (ABI 1.1, in this process)"))
        #expect(result.stdout.contains(#"output    {"seen":1,"event":"SalesOrder.Updated"}"#))
    }
}
