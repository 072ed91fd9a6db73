import AcuhookTesting
import Foundation
import Testing

/// `acuhook new-plugin NAME --language c|rust`: each scaffold builds with one command into a
/// plugin that loads and answers under its new name.
@Suite struct ScaffoldTests {
    private var template: String { packageRoot.appendingPathComponent("PluginTemplate").path }

    @Test func theCScaffoldBuildsWithMake() async throws {
        let output = try FixturePlugins.temporaryDirectory().appendingPathComponent("price-watch")
        let created = try await acuhook("new-plugin", "price-watch", "--language", "c", "--output", output.path, "--template", template)
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("Build it:  cd \(output.path) && make"))
        let built = try await runCommand("/usr/bin/env", ["make"], in: output)
        #expect(built.status == 0, "\(built.stderr)")
        // The header is the host's, byte for byte.
        let header = try Data(contentsOf: output.appendingPathComponent("acuhook_plugin.h"))
        #expect(header == (try Data(contentsOf: packageRoot.appendingPathComponent("Sources/CAcuhookPlugin/include/acuhook_plugin.h"))))
        let run = try await acuhook("plugins", "run", output.appendingPathComponent("libPriceWatch.so").path, "--event", "StockItem.Updated")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("price-watch 1.0.0 (ABI 1.1, in this process)"))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/cargo") } == true, "cargo is not installed: the Rust scaffold is not built"))
    func theRustScaffoldBuildsWithCargo() async throws {
        let output = try FixturePlugins.temporaryDirectory().appendingPathComponent("price-watch")
        let created = try await acuhook("new-plugin", "PriceWatch", "--language", "rust", "--output", output.path, "--template", template)
        #expect(created.status == 0, "\(created.stderr)")
        let built = try await runCommand("/usr/bin/env", ["cargo", "build", "--release", "--offline"], in: output)
        #expect(built.status == 0, "\(built.stderr)")
        let check = try await acuhook("plugins", "check", output.appendingPathComponent("target/release/libprice_watch.so").path)
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("name:          price-watch"))
    }

    @Test func aBusyFolderIsRefusedForEveryLanguage() async throws {
        let busy = try FixturePlugins.temporaryDirectory()
        try "x".write(to: busy.appendingPathComponent("keep.txt"), atomically: true, encoding: .utf8)
        for language in ["c", "rust"] {
            let result = try await acuhook("new-plugin", "ok-name", "--language", language, "--output", busy.path, "--template", template)
            #expect(result.status != 0 && result.stderr.contains("exists and is not empty"), "\(language)")
        }
        let unknown = try await acuhook("new-plugin", "ok-name", "--language", "cobol", "--output", busy.path)
        #expect(unknown.status != 0 && unknown.stderr.contains("cobol"))
    }
}
