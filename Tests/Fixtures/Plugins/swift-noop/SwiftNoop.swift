import AcuhookPluginKit
import CAcuhookPlugin

/// A Swift plugin that does nothing: the benchmark's Swift reference. See Tests/Fixtures/README.md.
final class SwiftNoop: AcuhookHandler {
    static let metadata = PluginMetadata(name: "fixture-swift-noop", version: "0.1.0", subscriptions: ["*"], threadSafe: true)

    init(configuration: [UInt8], host: HostLink) throws {}

    func handle(_ event: IncomingEvent) -> HandlerResult { .ok }
}

@_cdecl("acuhook_plugin_entry")
public func acuhookPluginEntry(_ host: UnsafePointer<acuhook_host_api>?) -> UnsafePointer<acuhook_plugin_descriptor>? {
    PluginExport.entry(host: host, handler: SwiftNoop.self)
}
