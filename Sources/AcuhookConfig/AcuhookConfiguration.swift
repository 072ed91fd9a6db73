import AcuhookCore
import AcuhookInbound

/// Everything one configuration file says.
public struct AcuhookConfiguration: Sendable, Equatable {
    /// The HTTP receiver.
    public var server = ServerSettings()
    /// The durable store.
    public var store = StoreSettings()
    /// Webhook sources, each at `POST /webhooks/<name>`.
    public var sources: [SourceSettings] = []
    /// The plugin host and its plugins.
    public var pluginHost = PluginHostSettings()

    /// The defaults: no sources, no plugins.
    public init() {}
}
