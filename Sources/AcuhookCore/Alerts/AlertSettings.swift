/// The `alerts` section: which conditions raise an alert, where alerts are sent and how often.
///
/// Every alert is logged; with ``webhooks`` set it is also POSTed to each URL as JSON
/// (Slack-compatible `{"text": …}` plus an `alert` object). An alert fires once per episode —
/// from the moment its condition holds until it no longer does — and sends a `resolved`
/// message when the episode ends.
public struct AlertSettings: Sendable, Equatable {
    /// A breaker stayed open (or half-open) for ``for`` — zero: as soon as it opens. A breaker an
    /// operator forced open or disabled raises nothing.
    public struct Breaker: Sendable, Equatable {
        /// How long it must stay open first. Default 0 (at once).
        public var `for`: Duration = .zero
        /// The defaults.
        public init() {}
    }

    /// The dead-letter queue grew by ``growth`` or more within ``window``.
    public struct DeadLetters: Sendable, Equatable {
        /// Dead letters added. Default 10.
        public var growth = 10
        /// The window. Default 10 min.
        public var window: Duration = .seconds(600)
        /// The defaults.
        public init() {}
    }

    /// A plugin's failure rate (failed calls / calls, refusals by the breaker not counted) stayed
    /// above ``above`` over ``window``, with at least ``minimumCalls`` calls in it.
    public struct FailureRate: Sendable, Equatable {
        /// The rate, 0…1. Default 0.5.
        public var above = 0.5
        /// The window. Default 5 min.
        public var window: Duration = .seconds(300)
        /// Fewest calls in the window for the rate to count. Default 10.
        public var minimumCalls = 10
        /// The defaults.
        public init() {}
    }

    /// No delivery answered 2xx from a source for ``for`` (Acumatica stops sending, silently,
    /// when a push notification's query breaks). Counted from start-up for a source that has
    /// sent nothing since.
    public struct Silence: Sendable, Equatable {
        /// How long. Default 1 h.
        public var `for`: Duration = .seconds(3600)
        /// The sources watched; empty: every configured source. Default empty.
        public var sources: [String] = []
        /// The defaults.
        public init() {}
    }

    /// URLs each alert is POSTed to. Default none (alerts are logged only).
    public var webhooks: [String] = []
    /// How often conditions are checked. Default 15 s.
    public var interval: Duration = .seconds(15)
    /// Least time between two `firing` messages of one alert (its rule and subject): a flapping
    /// condition is logged every time but sent at most this often. Default 5 min.
    public var minimumInterval: Duration = .seconds(300)
    /// Most messages sent per minute over all alerts; the rest are logged only. Default 20.
    public var maximumPerMinute = 20
    /// How a message that could not be sent is retried (per URL). Default 5 attempts, 1 s
    /// doubling to 30 s, no jitter.
    public var retry: RetryPolicy = {
        var retry = RetryPolicy()
        retry.baseDelay = .seconds(1)
        retry.maxDelay = .seconds(30)
        retry.maxAttempts = 5
        retry.jitter = .none
        return retry
    }()
    /// Rule: a breaker open too long. Default on; nil turns it off.
    public var breaker: Breaker? = Breaker()
    /// Rule: the dead-letter queue grows. Default on; nil turns it off.
    public var deadLetters: DeadLetters? = DeadLetters()
    /// Rule: a plugin's failure rate. Default on; nil turns it off.
    public var failureRate: FailureRate? = FailureRate()
    /// Rule: a source went quiet. Default off (quiet nights are normal for many companies).
    public var silence: Silence? = nil
    /// Rule: the store cannot commit. Default on.
    public var store = true

    /// The defaults.
    public init() {}
}
