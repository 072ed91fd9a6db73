import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import Testing

/// A Swift plugin built by another Swift toolchain is refused before `dlopen`, with a message
/// that says whether its compiler or the runtime it links differs. The "other toolchain" plugins
/// are copies of a real one with the compiler named in its debug information, or the run path of
/// its Swift runtime, changed in place (same length: the file stays a valid shared object).
@Suite struct SwiftToolchainTests {
    let logger = Logger(label: "test")

    /// A copy of FixtureSwiftNoop with every `from` replaced by `to` (same length).
    private func patchedCopy(_ name: String, stripDebug: Bool = false, replacing from: [UInt8]? = nil, with to: [UInt8]? = nil) throws -> String {
        let directory = try FixturePlugins.temporaryDirectory()
        let path = directory.appendingPathComponent("lib\(name).so").path
        if stripDebug {
            let strip = Process()
            strip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            strip.arguments = ["strip", "--strip-debug", FixturePlugins.path("FixtureSwiftNoop"), "-o", path]
            try strip.run()
            strip.waitUntilExit()
            #expect(strip.terminationStatus == 0)
        } else {
            try FileManager.default.copyItem(atPath: FixturePlugins.path("FixtureSwiftNoop"), toPath: path)
        }
        if let from, let to {
            precondition(from.count == to.count)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var replaced = 0
            var index = 0
            while index + from.count <= bytes.count {
                if bytes[index] == from[0], bytes[index..<(index + from.count)].elementsEqual(from) {
                    bytes.replaceSubrange(index..<(index + from.count), with: to)
                    replaced += 1
                    index += from.count
                } else {
                    index += 1
                }
            }
            #expect(replaced > 0, "nothing to patch in the copy")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        return path
    }

    /// The compiler string in the fixture's debug information (`Swift version 6.3.1 (…)`).
    private func producer() throws -> [UInt8] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: FixturePlugins.path("FixtureSwiftNoop"))))
        let marker = Array("Swift version ".utf8)
        var index = 0
        while index + marker.count <= bytes.count {
            if bytes[index..<(index + marker.count)].elementsEqual(marker), index > 0, bytes[index - 1] == 0 {
                return Array(bytes[index..<(bytes[index...].firstIndex(of: 0)!)])
            }
            index += 1
        }
        throw CocoaError(.fileReadCorruptFile)
    }

    @Test func aSwiftPluginFromAnotherCompilerIsRefusedNamingBoth() throws {
        let ours = try producer()
        var theirs = ours
        let digit = Array("Swift version ".utf8).count
        theirs[digit] = theirs[digit] == UInt8(ascii: "5") ? UInt8(ascii: "4") : UInt8(ascii: "5")
        let path = try patchedCopy("OtherCompiler", replacing: ours, with: theirs)
        do {
            _ = try PluginLoader.load(path: path, logger: logger)
            Issue.record("a plugin from another compiler loaded")
        } catch {
            #expect(error.code == .swiftToolchainMismatch)
            #expect(error.message.contains("built by \(String(decoding: theirs, as: UTF8.self)), but this host by \(String(decoding: ours, as: UTF8.self))"))
            #expect(!error.message.contains("runtime"), "same runtime: only the compiler differs")
            #expect(error.message.contains("rebuild it with that toolchain"))
        }
    }

    @Test func aStrippedSwiftPluginLinkingAnotherRuntimeIsRefused() throws {
        let path = try patchedCopy("OtherRuntime", stripDebug: true, replacing: Array("swift/linux".utf8), with: Array("swixt/linux".utf8))
        do {
            _ = try PluginLoader.load(path: path, logger: logger)
            Issue.record("a plugin linking another Swift runtime loaded")
        } catch {
            #expect(error.code == .swiftToolchainMismatch)
            #expect(error.message.contains("swixt/linux"))
            #expect(error.message.contains("(not on this machine), and this host runs the one in"))
            #expect(error.message.contains("which compiler built it is not recorded"))
        }
    }

    @Test func theSameToolchainLoadsWithOrWithoutDebugInformation() throws {
        let stripped = try patchedCopy("Stripped", stripDebug: true)
        #expect(try PluginLoader.load(path: stripped, logger: logger).name == "fixture-swift-noop")
        #expect(try PluginLoader.load(path: FixturePlugins.path("CustomerSync"), logger: logger).name == "customer-sync")
    }

    /// A stripped plugin (or host) with the compiler recorded by scripts/package.sh in
    /// `.acuhook.compiler`: the check reads that section.
    @Test func theCompilerRecordedInItsOwnSectionIsRead() throws {
        let directory = try FixturePlugins.temporaryDirectory()
        let stripped = try patchedCopy("RecordedCompiler", stripDebug: true)
        let name = directory.appendingPathComponent("compiler")
        try "Swift version 1.0 (a compiler of another time)\n".write(to: name, atomically: true, encoding: .utf8)
        let objcopy = Process()
        objcopy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        objcopy.arguments = ["objcopy", "--add-section", ".acuhook.compiler=\(name.path)", "--set-section-flags", ".acuhook.compiler=noload,readonly", stripped]
        try objcopy.run()
        objcopy.waitUntilExit()
        #expect(objcopy.terminationStatus == 0)
        do {
            _ = try PluginLoader.load(path: stripped, logger: logger)
            Issue.record("a plugin recording another compiler loaded")
        } catch {
            #expect(error.code == .swiftToolchainMismatch)
            #expect(error.message.contains("built by Swift version 1.0 (a compiler of another time), but this host by Swift version"), "\(error.message)")
        }
        #expect(PluginABI.hostSwiftCompiler?.hasPrefix("Swift version ") == true)
    }
}
