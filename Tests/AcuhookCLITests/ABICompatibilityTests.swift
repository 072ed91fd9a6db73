import AcuhookCore
import AcuhookPluginHost
import AcuhookTesting
import Foundation
import Logging
import Testing
import AcuhookJSON

/// ABI 1.0 stays loadable: the header as 1.0 shipped is frozen in Tests/Fixtures/abi-1.0, a plugin
/// built against it must work with this host, and every 1.0 field must sit where 1.0 put it.
@Suite struct ABICompatibilityTests {
    let logger = Logger(label: "test")

    @Test func aPluginBuiltAgainstTheFrozen10HeaderLoadsAndRoundTrips() throws {
        let image = try PluginLoader.load(path: FixturePlugins.path("FixtureABI10"), logger: logger)
        #expect(image.name == "fixture-abi-1.0" && image.abiMajor == 1 && image.abiMinor == 0)
        #expect(image.subscriptions == ["Fixture.*"] && image.threadSafe)
        let instance = try PluginInstance(image: image, configJSON: Array("{}".utf8), logger: logger)
        let json = Array(#"{"eventType":"Fixture.Test","data":{"x":1}}"#.utf8)
        let event = PluginEvent(
            eventType: "Fixture.Test", entityType: "Fixture", entityId: "E-1", deliveryId: "D-9", tenant: "T",
            receivedAtUnixMilliseconds: 1_796_000_000_123, json: json
        )
        let invocation = instance.invoke(event, attempt: 3)
        #expect(invocation.outcome == .ok)
        #expect(invocation.message == "abi 1.0 round trip")
        let output = try #require(invocation.output.flatMap { try? JSONParser.parse($0) })
        #expect(output["eventType"] == .string("Fixture.Test"))
        #expect(output["entityType"] == .string("Fixture"))
        #expect(output["entityId"] == .string("E-1"))
        #expect(output["deliveryId"] == .string("D-9"))
        #expect(output["tenant"] == .string("T"))
        #expect(output["attempt"] == .integer(3))
        #expect(output["receivedAt"] == .integer(1_796_000_000_123))
        #expect(output["jsonBytes"] == .integer(Int64(json.count)))
        // The host passes structs at least as large as 1.0's.
        #expect((output["size"].flatMap { if case .integer(let n) = $0 { n } else { nil } } ?? 0) >= 88)
        #expect(invocation.derived.map(\.eventType) == ["Fixture.Echo"])
        #expect(invocation.derived.first?.entityId == "E-1")
        #expect(invocation.derived.first?.dataJSON == Array(#"{"echo":true}"#.utf8))
    }

    @Test func aPluginDeclaringANewerMinorWithALargerDescriptorLoads() throws {
        let image = try PluginLoader.load(path: FixturePlugins.path("FixtureNewerMinor"), logger: logger)
        #expect(image.abiMajor == PluginABI.major && image.abiMinor == PluginABI.minor + 1)
        let instance = try PluginInstance(image: image, configJSON: Array("{}".utf8), logger: logger)
        #expect(instance.invoke(PluginEvent(eventType: "Fixture.Test", json: Array("{}".utf8)), attempt: 1).outcome == .ok)
    }

    @Test func anotherMajorIsRefusedNamingBothVersions() throws {
        do {
            _ = try PluginLoader.load(path: FixturePlugins.path("FixtureWrongABI"), logger: logger)
            Issue.record("a plugin built for ABI 2 loaded")
        } catch {
            #expect(error.code == .abiMismatch)
            #expect(error.message.contains("built for plugin ABI 2.0"))
            #expect(error.message.contains("this host speaks ABI \(PluginABI.major).\(PluginABI.minor)"))
        }
    }

    /// Every field of 1.0, by struct: a C program prints each one's offset and size and each
    /// constant's value, compiled once against each frozen header and once against the current
    /// one; they must agree, and no struct may be smaller than in the frozen version.
    static let fields10: [(type: String, fields: [String])] = [
        ("acuhook_str", ["ptr", "len"]),
        ("acuhook_buffer", ["ptr", "len"]),
        ("acuhook_derived_event", ["size", "event_type", "entity_type", "entity_id", "data_json"]),
        ("acuhook_host_api", ["size", "abi_major", "abi_minor", "log", "alloc", "free", "emit"]),
        ("acuhook_event", ["size", "attempt", "event_type", "entity_type", "entity_id", "delivery_id", "tenant", "received_at_unix_ms", "json", "call"]),
        ("acuhook_result", ["size", "message", "output"]),
        (
            "acuhook_plugin_descriptor",
            ["size", "abi_major", "abi_minor", "name", "version", "subscriptions", "subscription_count", "flags", "create", "handle", "destroy"]
        ),
    ]
    static let constants10 = [
        "ACUHOOK_ABI_VERSION_MAJOR", "ACUHOOK_STATUS_OK", "ACUHOOK_STATUS_SKIP", "ACUHOOK_STATUS_RETRY", "ACUHOOK_STATUS_REJECT",
        "ACUHOOK_EMIT_OK", "ACUHOOK_EMIT_REFUSED", "ACUHOOK_EMIT_INVALID", "ACUHOOK_EMIT_NO_CALL",
        "ACUHOOK_LOG_TRACE", "ACUHOOK_LOG_DEBUG", "ACUHOOK_LOG_INFO", "ACUHOOK_LOG_WARNING", "ACUHOOK_LOG_ERROR",
        "ACUHOOK_PLUGIN_THREAD_SAFE", "ACUHOOK_PLUGIN_DESCRIPTOR_SIZE_1_0",
    ]
    /// 1.1 appended `acuhook_result.status` and `acuhook_plugin_descriptor.handle_batch`.
    static let fields11 = fields10.map { entry -> (type: String, fields: [String]) in
        switch entry.type {
        case "acuhook_result": (entry.type, entry.fields + ["status"])
        case "acuhook_plugin_descriptor": (entry.type, entry.fields + ["handle_batch"])
        default: entry
        }
    }
    static let constants11 = constants10 + [
        "ACUHOOK_STATUS_UNSET", "ACUHOOK_PLUGIN_DESCRIPTOR_SIZE_1_1", "ACUHOOK_RESULT_SIZE_1_0", "ACUHOOK_DERIVED_EVENT_SIZE_1_0",
    ]

    /// The layout program's answers for `fields` and `constants`, compiled against the header in `include`.
    static func layout(_ include: String, fields: [(type: String, fields: [String])], constants: [String]) async throws -> [String: String] {
        var source = "#include <stdio.h>\n#include <stddef.h>\n#include \"acuhook_plugin.h\"\nint main(void) {\n"
        for (type, fields) in fields {
            source += "    printf(\"sizeof(\(type)) %zu\\n\", sizeof(\(type)));\n"
            for field in fields {
                source += "    printf(\"\(type).\(field) %zu %zu\\n\", offsetof(\(type), \(field)), sizeof(((\(type) *)0)->\(field)));\n"
            }
        }
        for constant in constants { source += "    printf(\"\(constant) %lld\\n\", (long long)(\(constant)));\n" }
        source += "    printf(\"entry %s\\n\", ACUHOOK_PLUGIN_ENTRY_SYMBOL);\n    return 0;\n}\n"
        let directory = try FixturePlugins.temporaryDirectory()
        let file = directory.appendingPathComponent("layout.c")
        try source.write(to: file, atomically: true, encoding: .utf8)
        let binary = directory.appendingPathComponent("layout").path
        let compiled = try await runCommand("/usr/bin/env", ["cc", "-std=c11", "-Wall", "-Werror", "-I", include, file.path, "-o", binary])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let run = try await runCommand(binary, [])
        return Dictionary(uniqueKeysWithValues: run.stdout.split(separator: "\n").map { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            return (String(parts[0]), String(parts[1]))
        })
    }

    @Test(arguments: ["1.0", "1.1"])
    func everyFrozenFieldKeepsItsOffsetAndSize(version: String) async throws {
        let (fields, constants) = version == "1.0" ? (Self.fields10, Self.constants10) : (Self.fields11, Self.constants11)
        let frozenHeader = packageRoot.appendingPathComponent("Tests/Fixtures/abi-\(version)").path
        let frozen = try await Self.layout(frozenHeader, fields: fields, constants: constants)
        let current = try await Self.layout(packageRoot.appendingPathComponent("Sources/CAcuhookPlugin/include").path, fields: fields, constants: constants)
        #expect(frozen.count == fields.reduce(0) { $0 + 1 + $1.fields.count } + constants.count + 1)
        for (key, value) in frozen where !key.hasPrefix("sizeof(") {
            #expect(current[key] == value, "\(key): \(version) has \(value), the current header \(current[key] ?? "nothing")")
        }
        for (type, _) in fields {
            let before = try #require(frozen["sizeof(\(type))"].flatMap { Int($0) })
            let after = try #require(current["sizeof(\(type))"].flatMap { Int($0) })
            #expect(after >= before, "\(type) shrank from \(before) to \(after) bytes")
        }
    }

    /// The host's own size checks use the header's minimum sizes, minor by minor.
    @Test func theHostChecksTheSmallestSizeOfTheNegotiatedMinor() async throws {
        let current = try await Self.layout(
            packageRoot.appendingPathComponent("Sources/CAcuhookPlugin/include").path, fields: Self.fields11, constants: Self.constants11
        )
        #expect(current["ACUHOOK_PLUGIN_DESCRIPTOR_SIZE_1_0"] == "\(PluginABI.descriptorSize(minor: 0))")
        #expect(current["ACUHOOK_PLUGIN_DESCRIPTOR_SIZE_1_1"] == "\(PluginABI.descriptorSize(minor: 1))")
        #expect(PluginABI.descriptorSize(minor: 7) == PluginABI.descriptorSize(minor: 1))
        #expect(current["ACUHOOK_STATUS_UNSET"] == "-1")
    }
}
