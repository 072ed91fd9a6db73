import AcuhookPluginKit
import CAcuhookPlugin
import Foundation

/// my-plugin: an Acuhook handler. Replace the body of `handle` with your business logic.
///
/// Configuration (the plugin's `config:` section in acuhook.yaml, handed over as JSON):
/// `{"greeting": "text"}` (optional).
final class MyPlugin: AcuhookHandler {
    /// Name, version, the events it wants by default, and whether `handle` may run concurrently.
    static let metadata = PluginMetadata(
        name: "my-plugin",
        version: "0.1.0",
        subscriptions: ["Customer.*", "SalesOrder.*"],
        threadSafe: true
    )

    private let greeting: String
    private let host: HostLink

    /// Called once at load with the plugin's configuration. Throw to refuse it.
    init(configuration: [UInt8], host: HostLink) throws {
        let config = try JSONSerialization.jsonObject(with: Data(configuration)) as? [String: Any] ?? [:]
        self.greeting = config["greeting"] as? String ?? "handled"
        self.host = host
    }

    /// Called for every event routed to this plugin, on a host pool thread.
    /// Return `.ok`, `.skip(…)` (not interested), `.retry(…)` (transient: try again later) or
    /// `.reject(…)` (the data is bad: dead-letter it).
    func handle(_ event: IncomingEvent) -> HandlerResult {
        guard let root = try? JSONSerialization.jsonObject(with: Data(event.json)) as? [String: Any] else {
            return .reject("event is not a JSON object")
        }
        host.log(.debug, "\(greeting) \(event.eventType) for \(event.entityId) (attempt \(event.attempt))")
        let data = root["data"] as? [String: Any] ?? [:]
        return HandlerResult(.ok, output: Array("\(greeting): \(event.eventType) \(event.entityId) with \(data.count) field(s)".utf8))
    }
}

/// The one symbol Acuhook looks for.
@_cdecl("acuhook_plugin_entry")
public func acuhookPluginEntry(_ host: UnsafePointer<acuhook_host_api>?) -> UnsafePointer<acuhook_plugin_descriptor>? {
    PluginExport.entry(host: host, handler: MyPlugin.self)
}
