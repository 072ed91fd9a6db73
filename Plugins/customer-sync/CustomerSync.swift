import AcuhookJSON
import AcuhookPluginKit
import CAcuhookPlugin
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends `Customer.*` events, in the CRM shape `{"id","lastModified","name","status"}`, to a
/// JSON-lines file.
///
/// Configuration: `{"output": "/path/to/customers.jsonl"}` (required; created when missing).
/// A customer without an id is rejected (bad data); a failed write asks for a retry.
///
/// Written to be cheap per call, as a plugin should be: the fields are read by path from the
/// event's JSON without parsing the rest (`event["data.CustomerID"]`), the line is built from
/// their JSON text as written, and the file stays open. Each line is one `write(2)` on a file
/// opened `O_APPEND`: it lands whole at the end, also when calls run concurrently or several
/// acuhook instances append to one file (no lock needed). Rotate the file with `copytruncate`,
/// or reload acuhook after moving it.
///
/// With `batch:` in its settings it takes a batch in one call (ABI 1.1) and appends all its
/// lines in one `write(2)`.
final class CustomerSync: AcuhookBatchHandler {
    static let metadata = PluginMetadata(
        name: "customer-sync",
        version: "1.1.0",
        subscriptions: ["Customer.*"],
        threadSafe: true
    )

    private let output: String
    private let file: Int32
    private let host: HostLink

    /// What stopped the plugin from starting.
    struct ConfigurationError: Error, CustomStringConvertible {
        let description: String
    }

    init(configuration: [UInt8], host: HostLink) throws {
        guard let output = JSONValue.parse(configuration)?["output"]?.string, !output.isEmpty else {
            throw ConfigurationError(description: "customer-sync needs config.output: the path of the JSON-lines file to append to")
        }
        let file = open(output, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard file >= 0 else {
            throw ConfigurationError(description: "customer-sync cannot open \(output): \(String(cString: strerror(errno)))")
        }
        self.output = output
        self.file = file
        self.host = host
    }

    deinit { close(file) }

    func handle(_ event: IncomingEvent) -> HandlerResult {
        var line: [UInt8] = []
        line.reserveCapacity(event.json.count / 4 + 64)
        guard Self.appendLine(for: event, to: &line) else { return .reject("no CustomerID in data and no entity id") }
        return append(line) ?? .ok
    }

    func handle(_ events: [IncomingEvent]) -> [HandlerResult] {
        var lines: [UInt8] = []
        lines.reserveCapacity(events.reduce(0) { $0 + $1.json.count / 4 + 64 })
        let results: [HandlerResult] = events.map { event in
            Self.appendLine(for: event, to: &lines) ? .ok : .reject("no CustomerID in data and no entity id")
        }
        guard let failure = append(lines) else { return results }
        return results.map { $0.status == .ok ? failure : $0 }
    }

    /// Appends `bytes` to the file in one `write(2)`; nil when it worked, else the retry to answer.
    private func append(_ bytes: [UInt8]) -> HandlerResult? {
        guard !bytes.isEmpty else { return nil }
        let written = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
        guard written != bytes.count else { return nil }
        let reason = written < 0 ? String(cString: strerror(errno)) : "wrote \(written) of \(bytes.count) bytes"
        host.log(.warning, "append to \(output) failed: \(reason)")
        return .retry("append to \(output) failed: \(reason)")
    }

    /// Appends the event's line (with its newline); false, appending nothing, when it has no id.
    static func appendLine(for event: IncomingEvent, to line: inout [UInt8]) -> Bool {
        let data = event["data"]
        let start = line.count
        line.append(contentsOf: #"{"id":"#.utf8)
        if !Self.appendText(data?["CustomerID"], to: &line) {
            guard !event.entityId.isEmpty else {
                line.removeSubrange(start...)
                return false
            }
            JSONText.appendString(event.entityId, to: &line)
        }
        line.append(contentsOf: #","lastModified":"#.utf8)
        if !Self.appendText(data?["LastModifiedDateTime"], to: &line) { Self.appendTextOrNull(event["timestamp"], to: &line) }
        line.append(contentsOf: #","name":"#.utf8)
        Self.appendTextOrNull(data?["CustomerName"], to: &line)
        line.append(contentsOf: #","status":"#.utf8)
        Self.appendTextOrNull(data?["Status"], to: &line)
        line.append(contentsOf: "}\n".utf8)
        return true
    }

    /// Appends `field` as a JSON string: a string as written, a number or boolean in quotes.
    /// False (nothing appended) when it is missing, null, an object or an array.
    static func appendText(_ field: JSONField?, to line: inout [UInt8]) -> Bool {
        guard let field else { return false }
        switch field.kind {
        case .string:
            field.appendJSON(to: &line)
        case .number, .bool:
            line.append(UInt8(ascii: "\""))
            field.appendJSON(to: &line)
            line.append(UInt8(ascii: "\""))
        case .null, .object, .array:
            return false
        }
        return true
    }

    /// ``appendText(_:to:)``, or `null`.
    static func appendTextOrNull(_ field: JSONField?, to line: inout [UInt8]) {
        if !appendText(field, to: &line) { line.append(contentsOf: "null".utf8) }
    }
}

@_cdecl("acuhook_plugin_entry")
public func acuhookPluginEntry(_ host: UnsafePointer<acuhook_host_api>?) -> UnsafePointer<acuhook_plugin_descriptor>? {
    PluginExport.entry(host: host, handler: CustomerSync.self)
}
