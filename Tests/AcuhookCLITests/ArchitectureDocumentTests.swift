import AcuhookTesting
import Foundation
import Testing

/// docs/architecture.md's module table says what Package.swift says: every target, and exactly
/// the dependencies it links.
@Suite struct ArchitectureDocumentTests {
    /// Target → its dependencies, from `swift package dump-package` (a scratch folder of its own,
    /// so it never waits for the build this test runs in); `inSources` keeps only the targets in
    /// `Sources/<name>`.
    private func manifest(inSources: Bool = false) throws -> [String: Set<String>] {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("acuhook-dump-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "package", "--package-path", packageRoot.path, "--scratch-path", scratch.path, "dump-package"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var targets: [String: Set<String>] = [:]
        for target in document["targets"] as? [[String: Any]] ?? [] where ["regular", "executable"].contains(target["type"] as? String ?? "") {
            if inSources, target["path"] is String { continue }
            let dependencies = (target["dependencies"] as? [[String: Any]] ?? []).compactMap { dependency -> String? in
                for kind in ["byName", "product", "target"] {
                    if let values = dependency[kind] as? [Any], let name = values.first as? String { return name }
                }
                return nil
            }
            targets[target["name"] as? String ?? ""] = Set(dependencies)
        }
        return targets
    }

    /// Target → dependencies, from the table's rows (`| \`A\`, \`B\` | X, Y | … |`; `—` for none).
    private func documented() throws -> [String: Set<String>] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        guard let section = text.components(separatedBy: "## Modules").dropFirst().first?.components(separatedBy: "\n## ").first else { return [:] }
        var targets: [String: Set<String>] = [:]
        for line in section.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            let names = cells[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`")) }
            let dependencies = cells[2] == "—" ? [] : cells[2].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for name in names { targets[name] = Set(dependencies) }
        }
        return targets
    }

    @Test func theModuleTableMatchesPackageSwift() throws {
        let (actual, written) = (try manifest(), try documented())
        #expect(!actual.isEmpty && !written.isEmpty)
        #expect(Set(actual.keys) == Set(written.keys), "targets only in Package.swift: \(Set(actual.keys).subtracting(written.keys).sorted()); only in the document: \(Set(written.keys).subtracting(actual.keys).sorted())")
        for (target, dependencies) in actual.sorted(by: { $0.key < $1.key }) {
            let listed = written[target] ?? []
            #expect(dependencies == listed, "\(target): Package.swift also has \(dependencies.subtracting(listed).sorted()), the document also has \(listed.subtracting(dependencies).sorted())")
        }
    }

    @Test func theLayoutInContributingNamesEverySourcesTarget() throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("docs/contributing.md"), encoding: .utf8)
        let listed = Set(text.split(separator: "\n").filter { $0.hasPrefix("| `Sources/") }.compactMap { line in
            line.split(separator: "`").dropFirst().first.map { String($0.dropFirst("Sources/".count)) }
        })
        let targets = Set(try manifest(inSources: true).keys)
        #expect(listed == targets, "only in Package.swift: \(targets.subtracting(listed).sorted()); only in docs/contributing.md: \(listed.subtracting(targets).sorted())")
    }
}
