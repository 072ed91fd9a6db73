/// The operator's settings for one plugin, as read from the configuration file.
public struct PluginSettings: Sendable, Equatable {
    /// Path of the shared library.
    public var path: String
    /// The plugin's `config` section, as JSON bytes (`{}` when absent).
    public var configJSON: [UInt8] = Array("{}".utf8)
    /// Event types and patterns it receives; `nil` (default) uses the plugin's own subscriptions.
    public var events: [EventPattern]? = nil
    /// Event types and patterns it never receives. Default none.
    public var disabledEvents: [EventPattern] = []
    /// Longest a call may run before it counts as failed. Default 30 s.
    public var timeout: Duration = .seconds(30)
    /// Most calls in flight at once (thread-safe plugins only; others get 1). Default 4.
    public var maxConcurrency: Int = 4
    /// Whether the plugin is loaded at all. Default true.
    public var enabled: Bool = true
    /// The plugin's circuit breaker.
    public var breaker = CircuitBreakerSettings()
    /// The plugin's retry policy; nil (default) uses the dispatcher's.
    public var retry: RetryPolicy? = nil
    /// Whether jobs of one entity (tenant + entity type + id) run one at a time in receipt order.
    /// nil (default): ordered for push-notification events only.
    public var ordered: Bool? = nil
    /// Coalesce events of one entity arriving within this window into the latest; nil (default): off.
    public var debounce: Duration? = nil
    /// Only events matching this reach the plugin (the others are skipped as `filtered`); nil
    /// (default) lets every routed event through.
    public var filter: EventFilter? = nil
    /// Where the plugin runs: in the host (default) or in worker processes.
    public var isolation: PluginIsolation = .inProcess
    /// Worker processes for `isolation: process`. Default 1.
    public var workers: Int = 1
    /// Whether events this plugin emits may be routed back to it. Default false: a plugin never
    /// receives its own derived events unless it asks to (a loop is then bounded by the
    /// per-delivery budget alone).
    public var receiveOwnEvents = false
    /// Where the plugin was named: the configuration file (default) or the plugins folder.
    public var origin: PluginOrigin = .configuration
    /// Hand the plugin several events per call; nil (default): one event per call.
    public var batch: BatchSettings? = nil
    /// Most events per second handed to the plugin; nil (default): no limit.
    public var rate: RateSettings? = nil

    /// Settings with defaults for the plugin at `path`.
    public init(path: String) {
        self.path = path
    }
}

/// How a plugin's events are grouped into calls (`plugins[].batch`).
public struct BatchSettings: Sendable, Equatable {
    /// Most events in one call. Default 100.
    public var maxEvents: Int = 100
    /// Longest the first ready event waits for others to fill a batch. Default 50 ms.
    public var maxWait: Duration = .milliseconds(50)

    /// The defaults.
    public init() {}
}

/// Where a plugin was named.
public enum PluginOrigin: String, Sendable, Equatable {
    /// A `plugins[]` entry of the configuration file.
    case configuration
    /// A `lib*.so` dropped in the plugins folder (`plugin_host.directory`).
    case folder
}

/// Settings shared by all plugins.
public struct PluginHostSettings: Sendable, Equatable {
    /// Most threads the plugin pool may start (the pool gets the sum of the plugins' concurrency
    /// limits, capped here). Default 64.
    public var maxThreads: Int = 64
    /// Largest output a plugin may return per call. Default 1 MiB.
    public var maxOutputBytes: Int = 1 << 20
    /// Most derived events one call may emit. Default 16.
    public var maxDerivedEventsPerCall: Int = 16
    /// Most derivation steps from a received event (a plugin reacting to derived events). Default 4.
    public var maxDerivationDepth: Int = 4
    /// The plugins, in priority order.
    public var plugins: [PluginSettings] = []
    /// The `acuhook` binary isolated plugins' workers run (`acuhook plugin-worker`); nil: this
    /// process's own executable, or an `acuhook` next to it.
    public var workerExecutable: String? = nil
    /// The drop-in plugins folder: every `lib*.so` in it is loaded, with its sidecar's settings,
    /// and the folder is watched. nil (default with a configuration file): none.
    public var directory: String? = nil

    /// The defaults, with no plugins.
    public init() {}
}

/// Where a plugin's calls run.
public enum PluginIsolation: String, Sendable, Equatable, CaseIterable {
    /// In the host, on its plugin thread pool: fastest; a crash takes the host down.
    case inProcess = "in-process"
    /// In `acuhook plugin-worker` processes: a crash or hang costs only that plugin's calls.
    case process
}
