import AcuhookPluginKit
import CAcuhookPlugin
import Foundation
import Synchronization

/// Appends `Customer.*` events, in the CRM shape `{"id","name","status","lastModified"}`, to a
/// JSON-lines file.
///
/// Configuration: `{"output": "/path/to/customers.jsonl"}` (required).
/// A customer without an id is rejected (bad data); a failed write asks for a retry.
final class CustomerSync: AcuhookHandler {
    static let metadata = PluginMetadata(
        name: "customer-sync",
        version: "1.0.0",
        subscriptions: ["Customer.*"],
        threadSafe: true
    )

    private let output: String
    private let lock = Mutex(())
    private let host: HostLink

    struct MissingOutput: Error, CustomStringConvertible {
        var description: String { "customer-sync needs config.output: the path of the JSON-lines file to append to" }
    }

    init(configuration: [UInt8], host: HostLink) throws {
        let config = try JSONSerialization.jsonObject(with: Data(configuration)) as? [String: Any]
        guard let output = config?["output"] as? String, !output.isEmpty else { throw MissingOutput() }
        self.output = output
        self.host = host
        if !FileManager.default.fileExists(atPath: output) {
            guard FileManager.default.createFile(atPath: output, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: output])
            }
        }
    }

    func handle(_ event: IncomingEvent) -> HandlerResult {
        guard let root = try? JSONSerialization.jsonObject(with: Data(event.json)) as? [String: Any] else {
            return .reject("event JSON is not an object")
        }
        let data = root["data"] as? [String: Any] ?? [:]
        let id = Self.field(data, "CustomerID") ?? (event.entityId.isEmpty ? nil : event.entityId)
        guard let id else { return .reject("no CustomerID in data and no entity id") }
        let record: [String: Any] = [
            "id": id,
            "name": Self.field(data, "CustomerName") ?? NSNull(),
            "status": Self.field(data, "Status") ?? NSNull(),
            "lastModified": Self.field(data, "LastModifiedDateTime") ?? (root["timestamp"] as? String) ?? NSNull() as Any,
        ]
        do {
            var line = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
            line.append(0x0A)
            // One write(2) to a file opened O_APPEND: each line lands whole at the end, also
            // when several acuhook instances append to one file.
            try lock.withLock { _ in
                let fd = open(output, O_WRONLY | O_APPEND)
                guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: output]) }
                defer { close(fd) }
                let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                guard written == line.count else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: output]) }
            }
            return .ok
        } catch {
            host.log(.warning, "append to \(output) failed: \(error)")
            return .retry("append to \(output) failed: \(error)")
        }
    }

    /// A field of Acumatica's contract-based shape: `{"Name": {"value": x}}` or a bare `{"Name": x}`.
    static func field(_ data: [String: Any], _ name: String) -> String? {
        let raw = (data[name] as? [String: Any])?["value"] ?? data[name]
        switch raw {
        case let text as String: return text
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }
}

@_cdecl("acuhook_plugin_entry")
public func acuhookPluginEntry(_ host: UnsafePointer<acuhook_host_api>?) -> UnsafePointer<acuhook_plugin_descriptor>? {
    PluginExport.entry(host: host, handler: CustomerSync.self)
}
