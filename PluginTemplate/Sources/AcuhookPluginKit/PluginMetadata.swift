/// What a plugin says about itself in its descriptor.
public struct PluginMetadata: Sendable {
    /// Unique plugin name (`customer-sync`).
    public var name: String
    /// The plugin's own version (`1.0.0`).
    public var version: String
    /// Default event subscriptions: exact types or patterns (`Customer.*`, `*.Deleted`, `*`).
    public var subscriptions: [String]
    /// Whether `handle` may run concurrently on one instance.
    public var threadSafe: Bool

    /// Creates the metadata.
    public init(name: String, version: String, subscriptions: [String], threadSafe: Bool) {
        self.name = name
        self.version = version
        self.subscriptions = subscriptions
        self.threadSafe = threadSafe
    }
}
