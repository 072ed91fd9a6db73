import AcuhookCore
import AcuhookInbound
import AcuhookStore

/// Everything one configuration file says.
public struct AcuhookSettings: Sendable, Equatable {
    /// The HTTP receiver.
    public var server = ServerSettings()
    /// The admin API's listener.
    public var admin = AdminSettings()
    /// The durable store.
    public var store = StoreSettings()
    /// Webhook sources, each at `POST /webhooks/<name>`.
    public var sources: [SourceSettings] = []
    /// The plugin host and its plugins.
    public var pluginHost = PluginHostSettings()
    /// Dispatch: the default retry policy, job leases and the idle poll (the `dispatch` section).
    public var dispatch = DispatchSettings()
    /// Alert rules and where alerts go; nil (no `alerts` section): no alerts.
    public var alerts: AlertSettings? = nil
    /// The `${secret:PATH}` files it names: read, generated just now, or missing.
    public var secretFiles = SecretFiles.Resolution()

    /// The defaults: no sources, no plugins.
    public init() {}
}
