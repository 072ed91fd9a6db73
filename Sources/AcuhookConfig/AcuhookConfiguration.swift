import AcuhookCore

/// Everything one configuration file says.
public struct AcuhookConfiguration: Sendable, Equatable {
    /// The plugin host and its plugins.
    public var pluginHost = PluginHostSettings()

    /// The defaults: no plugins.
    public init() {}
}
