import AcuhookCore
import AcuhookInbound

/// Everything one configuration file says.
public struct AcuhookConfiguration: Sendable, Equatable {
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
    /// Dispatch: the default retry policy and job leases.
    public var dispatch = DispatchSettings()

    /// The defaults: no sources, no plugins.
    public init() {}
}

/// The `dispatch` section.
public struct DispatchSettings: Sendable, Equatable {
    /// Retry policy for plugins without their own `retry`.
    public var retry = RetryPolicy()
    /// How long a claimed job is leased. Default 5 min.
    public var lease: Duration = .seconds(300)
    /// Longest idle sleep of the dispatcher. Default 250 ms.
    public var idlePoll: Duration = .milliseconds(250)

    /// The defaults.
    public init() {}
}
