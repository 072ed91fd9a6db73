import ArgumentParser
import Foundation

/// `acuhook new-plugin NAME --output DIR [--language swift|c|rust]`: a copy of `PluginTemplate/`
/// (Swift) or of the C or Rust example plugin, renamed.
struct NewPluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-plugin",
        abstract: "Create a new plugin package from the template.",
        discussion: """
            NAME may be written kebab-case (inventory-sync) or CamelCase (InventorySync): the plugin \
            is named in kebab-case and its library and Swift type in CamelCase \
            (libInventorySync.so). The template is found with --template, $ACUHOOK_TEMPLATE_DIR, \
            in the installed package (/usr/share/acuhook/PluginTemplate), or as PluginTemplate/ \
            above the acuhook binary or the current directory.
            """
    )

    @Argument(help: "The plugin's name.")
    var name: String

    @Option(name: .shortAndLong, help: "The folder to create (must not exist, or be empty).")
    var output: String

    @Option(help: "The template folder (default: found automatically).")
    var template: String?

    @Option(help: "swift (a package from PluginTemplate/), c (a Makefile) or rust (a Cargo crate).")
    var language: Language = .swift

    /// The languages there is a scaffold for.
    enum Language: String, ExpressibleByArgument, CaseIterable {
        case swift, c, rust
    }

    func validate() throws {
        guard PluginName(name) != nil else {
            throw ValidationError("'\(name)' is not a usable plugin name: start with a letter; use letters, digits and '-'")
        }
    }

    func run() throws {
        let name = PluginName(name)!
        guard let source = template.map({ URL(fileURLWithPath: $0) }) ?? TemplateLocator.find() else {
            throw ValidationError("cannot find PluginTemplate/; pass --template DIR or set ACUHOOK_TEMPLATE_DIR")
        }
        let destination = URL(fileURLWithPath: output)
        let scaffold = ExampleScaffold(template: source, destination: destination, name: name)
        let (build, library): (String, String)
        switch language {
        case .swift:
            try TemplateCopier(source: source, destination: destination, name: name).copy()
            (build, library) = ("swift build -c release", ".build/release/lib\(name.camel).so")
        case .c:
            try scaffold.writeC()
            (build, library) = ("make", "lib\(name.camel).so")
        case .rust:
            try scaffold.writeRust()
            (build, library) = ("cargo build --release", "target/release/lib\(scaffold.snake).so")
        }
        print("Created \(name.kebab) (\(language.rawValue)) in \(destination.path)")
        print("Build it:  cd \(destination.path) && \(build)")
        print("Try it:    acuhook plugins run \(destination.path)/\(library) --event <Entity.Action>")
    }
}

/// A plugin name in its two spellings.
struct PluginName {
    /// `inventory-sync`: the plugin's name.
    let kebab: String
    /// `InventorySync`: the library, target and type name.
    let camel: String

    init?(_ text: String) {
        guard let first = text.first, first.isASCII, first.isLetter,
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }),
            !text.hasSuffix("-"), !text.contains("--")
        else { return nil }
        if text.contains("-") || text == text.lowercased() {
            kebab = text.lowercased()
            camel = kebab.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        } else {
            camel = text.prefix(1).uppercased() + text.dropFirst()
            var words = ""
            for (index, character) in camel.enumerated() {
                if character.isUppercase, index > 0 { words += "-" }
                words += character.lowercased()
            }
            kebab = words
        }
    }
}

/// Finds the plugin template.
enum TemplateLocator {
    static func find() -> URL? {
        if let dir = ProcessInfo.processInfo.environment["ACUHOOK_TEMPLATE_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // Installed (the package, or the tarball under any prefix): <prefix>/share/acuhook/PluginTemplate.
        let installed = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("../share/acuhook/PluginTemplate").standardizedFileURL
        if FileManager.default.fileExists(atPath: installed.appendingPathComponent("Package.swift").path) { return installed }
        for start in [URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), executable, URL(fileURLWithPath: FileManager.default.currentDirectoryPath)] {
            var dir = start
            while dir.path != "/" {
                let candidate = dir.appendingPathComponent("PluginTemplate")
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("Package.swift").path) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
        }
        return nil
    }
}

/// Copies the template, renaming `MyPlugin` / `my-plugin` throughout.
struct TemplateCopier {
    let source: URL
    let destination: URL
    let name: PluginName

    func copy() throws {
        let files = FileManager.default
        guard files.fileExists(atPath: source.appendingPathComponent("Package.swift").path) else {
            throw ValidationError("\(source.path) is not the plugin template (no Package.swift)")
        }
        if let existing = try? files.contentsOfDirectory(atPath: destination.path), !existing.isEmpty {
            throw ValidationError("\(destination.path) exists and is not empty")
        }
        guard let walker = files.enumerator(at: source, includingPropertiesForKeys: [.isDirectoryKey]) else {
            throw ValidationError("cannot read \(source.path)")
        }
        for case let file as URL in walker {
            let relative = String(file.standardizedFileURL.path.dropFirst(source.standardizedFileURL.path.count + 1))
            if relative.hasPrefix(".build") || relative.hasPrefix(".swiftpm") || relative == "Package.resolved" {
                walker.skipDescendants()
                continue
            }
            let target = destination.appendingPathComponent(rename(relative))
            if (try file.resourceValues(forKeys: [.isDirectoryKey])).isDirectory == true {
                try files.createDirectory(at: target, withIntermediateDirectories: true)
            } else {
                try files.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                let data = try Data(contentsOf: file)
                let keep = ["Sources/CAcuhookPlugin", "Sources/AcuhookJSON", "Sources/AcuhookPluginKit"].contains { relative.hasPrefix($0) }
                if !keep, let text = String(data: data, encoding: .utf8) {
                    try rename(text).write(to: target, atomically: true, encoding: .utf8)
                } else {
                    try data.write(to: target)
                }
            }
        }
    }

    private func rename(_ text: String) -> String {
        text.replacingOccurrences(of: "MyPlugin", with: name.camel).replacingOccurrences(of: "my-plugin", with: name.kebab)
    }
}
