/// One plugin as the admin API reports it (`GET /admin/plugins`).
public struct PluginStatus: Sendable, Equatable, Codable {
    /// The plugin's unique name (empty when it failed to load).
    public var name: String
    /// Its own version string.
    public var version: String
    /// The ABI version it was built against, `major.minor`.
    public var abi: String
    /// The `.so` file.
    public var path: String
    /// `in-process` or `process`.
    public var isolation: String
    /// Whether its calls may overlap.
    public var threadSafe: Bool
    /// Most calls in flight.
    public var concurrency: Int
    /// Call timeout, milliseconds.
    public var timeoutMilliseconds: Int64
    /// `closed`, `open`, `half_open`, `forced_open` or `disabled`.
    public var breaker: String
    /// Counters since start.
    public var counters: Counters
    /// `loaded`, or why it is not.
    public var status: String
    /// Median call duration over the instance's last 1,024 calls, ms; nil before a call.
    public var latencyP50Milliseconds: Double? = nil
    /// 99th percentile of the same, ms.
    public var latencyP99Milliseconds: Double? = nil
    /// The instance's last breaker transitions, oldest first.
    public var transitions: [Transition] = []
    /// Whether the plugin has the batch entry (`handle_batch`, ABI 1.1).
    public var handlesBatches = false
    /// Its `batch` settings (`100 events or 50ms`), nil when it is called one event at a time.
    public var batch: String? = nil
    /// Its `rate` (`10/s`), nil without one.
    public var rate: String? = nil
    /// Due jobs waiting in the store for its rate's tokens (0 without a rate).
    public var waitingForRate = 0

    enum CodingKeys: String, CodingKey {
        case name, version, abi, path, isolation, concurrency, breaker, counters, status, transitions, batch, rate
        case threadSafe = "thread_safe", timeoutMilliseconds = "timeout_ms"
        case latencyP50Milliseconds = "latency_p50_ms", latencyP99Milliseconds = "latency_p99_ms"
        case handlesBatches = "handles_batches", waitingForRate = "waiting_for_rate"
    }

    /// A breaker transition.
    public struct Transition: Sendable, Equatable, Codable {
        /// When, ms since the Unix epoch.
        public var at: Int64
        /// The state left.
        public var from: String
        /// The state entered.
        public var to: String
        /// Why.
        public var reason: String

        /// A transition.
        public init(at: Int64, from: String, to: String, reason: String) {
            self.at = at
            self.from = from
            self.to = to
            self.reason = reason
        }
    }

    /// Call counters since the process started.
    public struct Counters: Sendable, Equatable, Codable {
        /// Calls made.
        public var calls: Int
        /// Calls that counted as failures for the breaker.
        public var failures: Int
        /// Calls that timed out.
        public var timeouts: Int
        /// Calls not attempted because the breaker was open.
        public var notAttempted: Int
        /// Calls running now.
        public var inFlight: Int
        /// Timed-out calls still holding a thread (in-process only).
        public var lost: Int
        /// Worker processes started again after ending (isolated plugins only).
        public var restarts: Int = 0

        enum CodingKeys: String, CodingKey {
            case calls, failures, timeouts, lost, restarts
            case notAttempted = "not_attempted", inFlight = "in_flight"
        }

        /// Creates counters.
        public init(calls: Int = 0, failures: Int = 0, timeouts: Int = 0, notAttempted: Int = 0, inFlight: Int = 0, lost: Int = 0) {
            self.calls = calls
            self.failures = failures
            self.timeouts = timeouts
            self.notAttempted = notAttempted
            self.inFlight = inFlight
            self.lost = lost
        }
    }

    /// Creates a status.
    public init(
        name: String, version: String, abi: String, path: String, isolation: String, threadSafe: Bool, concurrency: Int,
        timeoutMilliseconds: Int64, breaker: String, counters: Counters, status: String
    ) {
        self.name = name
        self.version = version
        self.abi = abi
        self.path = path
        self.isolation = isolation
        self.threadSafe = threadSafe
        self.concurrency = concurrency
        self.timeoutMilliseconds = timeoutMilliseconds
        self.breaker = breaker
        self.counters = counters
        self.status = status
    }
}

/// One plugin's routes as the admin API reports them (`GET /admin/routes`).
public struct RouteStatus: Sendable, Equatable, Codable {
    /// The plugin.
    public var plugin: String
    /// Event types and patterns it receives.
    public var events: [String]
    /// Event types and patterns it never receives.
    public var disabledEvents: [String]
    /// `plugin default`, `config file` or `runtime override`.
    public var origin: String

    enum CodingKeys: String, CodingKey {
        case plugin, events, origin
        case disabledEvents = "disabled_events"
    }

    /// Creates a route status.
    public init(plugin: String, events: [String], disabledEvents: [String], origin: String) {
        self.plugin = plugin
        self.events = events
        self.disabledEvents = disabledEvents
        self.origin = origin
    }
}
