import ArgumentParser
import Foundation

/// `acuhook new-plugin NAME --language c|rust`: a copy of the C or Rust example plugin, renamed,
/// that builds with one command (`make`, `cargo build --release`). The examples are found beside
/// the plugin template (`PluginTemplate/../Plugins/`).
struct ExampleScaffold {
    /// The template folder (`PluginTemplate/`); the examples are in `../Plugins/`.
    let template: URL
    let destination: URL
    let name: PluginName

    /// `inventory_sync`: C identifiers and the Rust crate.
    var snake: String { name.kebab.replacingOccurrences(of: "-", with: "_") }

    private var examples: URL { template.deletingLastPathComponent().appendingPathComponent("Plugins") }

    /// Writes the C scaffold: `<name>.c`, the ABI header and a Makefile building `lib<Name>.so`.
    func writeC() throws {
        let example = examples.appendingPathComponent("stock-log/stock_log.c")
        let header = template.appendingPathComponent("Sources/CAcuhookPlugin/include/acuhook_plugin.h")
        let source = try read(example)
        try prepare()
        let renamed = source.replacingOccurrences(of: "stock-log", with: name.kebab).replacingOccurrences(of: "stock_log", with: snake)
            .replacingOccurrences(of: "stock_", with: "\(snake)_")
        try write(renamed, "\(snake).c")
        try write(try read(header), "acuhook_plugin.h")
        try write(
            """
            # Builds lib\(name.camel).so, an Acuhook plugin in C: `make`.
            CFLAGS ?= -std=c11 -O2 -Wall -Wextra
            lib\(name.camel).so: \(snake).c acuhook_plugin.h
            \t$(CC) $(CFLAGS) -fPIC -shared -o $@ \(snake).c -lpthread

            clean:
            \trm -f lib\(name.camel).so
            .PHONY: clean

            """,
            "Makefile"
        )
    }

    /// Writes the Rust scaffold: the example crate, renamed (`cargo build --release` →
    /// `target/release/lib<name>.so`).
    func writeRust() throws {
        let crate = examples.appendingPathComponent("rust-example")
        let manifest = try read(crate.appendingPathComponent("Cargo.toml"))
        let library = try read(crate.appendingPathComponent("src/lib.rs"))
        try prepare()
        try write(manifest.replacingOccurrences(of: "acuhook_rust_example", with: snake), "Cargo.toml")
        try write(library.replacingOccurrences(of: "rust-audit", with: name.kebab), "src/lib.rs")
        try write("/target/\nCargo.lock\n", ".gitignore")
    }

    private func read(_ file: URL) throws -> String {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw ValidationError("cannot read \(file.path): the example plugins are looked for beside PluginTemplate/ (pass --template DIR)")
        }
        return text
    }

    private func prepare() throws {
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: destination.path), !existing.isEmpty {
            throw ValidationError("\(destination.path) exists and is not empty")
        }
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
    }

    private func write(_ text: String, _ relative: String) throws {
        let file = destination.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }
}
