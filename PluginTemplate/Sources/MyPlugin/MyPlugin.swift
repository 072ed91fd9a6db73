import AcuhookJSON
import AcuhookPluginKit
import CAcuhookPlugin

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
        self.greeting = JSONValue.parse(configuration)?["greeting"]?.string ?? "handled"
        self.host = host
    }

    /// Called for every event routed to this plugin, on a host pool thread.
    /// Return `.ok`, `.skip(…)` (not interested), `.retry(…)` (transient: try again later) or
    /// `.reject(…)` (the data is bad: dead-letter it).
    ///
    /// Read the fields you need by path: `event["data.CustomerID"]` (Acumatica's `{"value": …}`
    /// unwrapped; `.string`, `.int64`, `.double`, `.scalarText`), nothing else of the event is
    /// parsed. Keep files and connections open across calls (open them in `init`).
    func handle(_ event: IncomingEvent) -> HandlerResult {
        guard let customer = event["data.CustomerID"]?.scalarText ?? (event.entityId.isEmpty ? nil : event.entityId) else {
            return .reject("no CustomerID in data and no entity id")
        }
        host.log(.debug, "\(greeting) \(event.eventType) for \(customer) (attempt \(event.attempt))")
        return HandlerResult(.ok, output: Array("\(greeting): \(event.eventType) for \(customer)".utf8))
    }
}

/// The one symbol Acuhook looks for.
@_cdecl("acuhook_plugin_entry")
public func acuhookPluginEntry(_ host: UnsafePointer<acuhook_host_api>?) -> UnsafePointer<acuhook_plugin_descriptor>? {
    PluginExport.entry(host: host, handler: MyPlugin.self)
}
