
/// Settings of the dispatcher. Every field has the documented default.
public struct DispatchSettings: Sendable, Equatable {
    /// Retry policy for every plugin without its own `retry` setting. Defaults: base 1 s, factor 2, cap 10 min, 8 attempts, full jitter.
    public var retry = RetryPolicy()
    /// Most jobs of one plugin claimed at once (a plugin gets 32 × its concurrency, within this).
    /// Default 256.
    public var claimBatch = 256
    /// How long a claimed job is leased; a dead process's jobs are claimed again after it.
    /// Must exceed the longest plugin timeout. Default 5 min.
    public var lease: Duration = .seconds(300)
    /// How long the dispatcher sleeps when there is nothing to do (new deliveries wake it
    /// sooner). Default 250 ms.
    public var idlePoll: Duration = .milliseconds(250)
    /// How long jobs of a plugin that is not loaded wait before being looked at again. Default 30 s.
    public var missingPluginHold: Duration = .seconds(30)
    /// How long jobs wait when the plugin's breaker is open. Default 1 s.
    public var breakerHold: Duration = .seconds(1)
    /// Most events derived, in all, from one received delivery (over its whole derivation tree:
    /// events derived from derived events count against the same budget). Events past it are
    /// not stored. Read from `plugin_host.max_derived_events_per_delivery`. Default 64.
    public var maxDerivedEventsPerDelivery = 64
    /// At graceful shutdown, how long plugin calls in flight may still run; those still running
    /// then are ended and their jobs given back to the store unattempted. Read from
    /// `server.shutdown_grace`. Default 30 s.
    public var shutdownGrace: Duration = .seconds(30)

    /// The defaults.
    public init() {}
}
