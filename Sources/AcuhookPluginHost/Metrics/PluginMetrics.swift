import AcuhookCore
import CoreMetrics
import Synchronization

/// One plugin's metrics, labelled with its name alone, so a reloaded instance of the plugin
/// counts on where the one it replaced stopped (the metrics backend keeps one series per name
/// and labels).
///
/// Series (Prometheus names): `acuhook_plugin_calls_total{plugin,outcome}`,
/// `acuhook_plugin_call_duration_seconds{plugin}`, `acuhook_breaker_state{plugin}` (0 closed,
/// 1 half-open, 2 open), `acuhook_breaker_transitions_total{plugin,to}`,
/// `acuhook_worker_restarts_total{plugin}`, `acuhook_lost_threads_total{plugin}`.
///
/// - Important: Thread-safe; created once per runner, used from any thread.
public final class PluginMetrics: Sendable {
    /// The plugin's name, the `plugin` label.
    public let plugin: String
    private let factory: any MetricsFactory
    private let duration: CoreMetrics.Timer
    private let breakerState: Gauge
    private let restarts: Counter
    private let lostThreads: Counter
    private let calls = Mutex<[String: Counter]>([:])
    private let transitions = Mutex<[CircuitBreakerPhase: Counter]>([:])
    private let recent = Mutex(Recent())
    private let wallClock: any WallClock

    /// A breaker transition, as the console's timeline shows it.
    public struct Transition: Sendable, Equatable {
        /// When, ms since the Unix epoch.
        public var atUnixMilliseconds: Int64
        /// The state left.
        public var from: CircuitBreakerPhase
        /// The state entered.
        public var to: CircuitBreakerPhase
        /// Why.
        public var reason: String
    }

    /// The last calls' durations and the last transitions, for percentiles and the timeline.
    private struct Recent {
        static let durationCapacity = 1024
        static let transitionCapacity = 20
        var durations: [Int64] = []
        var nextDuration = 0
        var transitions: [Transition] = []
    }

    /// The metrics of `plugin`, made by `factory` (the bootstrapped system's by default).
    public init(plugin: String, factory: any MetricsFactory = MetricsSystem.factory, wallClock: any WallClock = SystemWallClock()) {
        self.plugin = plugin
        self.wallClock = wallClock
        self.factory = factory
        let label = [("plugin", plugin)]
        self.duration = Timer(label: "acuhook_plugin_call_duration_seconds", dimensions: label, factory: factory)
        self.breakerState = Gauge(label: "acuhook_breaker_state", dimensions: label, factory: factory)
        self.restarts = Counter(label: "acuhook_worker_restarts_total", dimensions: label, factory: factory)
        self.lostThreads = Counter(label: "acuhook_lost_threads_total", dimensions: label, factory: factory)
    }

    /// Counts one call (or refusal) by how it ended, and its duration when it ran.
    public func recordCall(_ outcome: AttemptOutcome, duration: Duration?) {
        let name = outcome.metricLabel
        let counter = calls.withLock { calls in
            if let counter = calls[name] { return counter }
            let counter = Counter(label: "acuhook_plugin_calls_total", dimensions: [("plugin", plugin), ("outcome", name)], factory: factory)
            calls[name] = counter
            return counter
        }
        counter.increment()
        guard let duration else { return }
        let nanoseconds = duration.wholeNanoseconds
        self.duration.recordNanoseconds(nanoseconds)
        recent.withLock { recent in
            if recent.durations.count < Recent.durationCapacity {
                recent.durations.append(nanoseconds)
            } else {
                recent.durations[recent.nextDuration] = nanoseconds
            }
            recent.nextDuration = (recent.nextDuration + 1) % Recent.durationCapacity
        }
    }

    /// The `fraction` percentile (0.5, 0.99) of the last 1,024 calls' durations of this
    /// instance; nil before its first call.
    public func latency(percentile fraction: Double) -> Duration? {
        let durations = recent.withLock { $0.durations }.sorted()
        guard !durations.isEmpty else { return nil }
        let index = min(durations.count - 1, Int((Double(durations.count) * fraction).rounded(.up)) - 1)
        return .nanoseconds(durations[max(0, index)])
    }

    /// The last 20 breaker transitions of this instance, oldest first.
    public var recentTransitions: [Transition] { recent.withLock { $0.transitions } }

    /// Records the breaker's state, and the transition that led to it if any (from, why).
    public func recordBreaker(_ phase: CircuitBreakerPhase, from previous: CircuitBreakerPhase? = nil, reason: String = "") {
        breakerState.record(phase.gaugeValue)
        guard let previous else { return }
        let transition = Transition(atUnixMilliseconds: wallClock.nowUnixMilliseconds, from: previous, to: phase, reason: reason)
        recent.withLock { recent in
            recent.transitions.append(transition)
            if recent.transitions.count > Recent.transitionCapacity { recent.transitions.removeFirst() }
        }
        let counter = transitions.withLock { transitions in
            if let counter = transitions[phase] { return counter }
            let counter = Counter(label: "acuhook_breaker_transitions_total", dimensions: [("plugin", plugin), ("to", phase.rawValue)], factory: factory)
            transitions[phase] = counter
            return counter
        }
        counter.increment()
    }

    /// Counts a worker process started again after it ended.
    public func recordRestart() { restarts.increment() }

    /// Counts a pool thread lost to a call past its timeout.
    public func recordLostThread() { lostThreads.increment() }
}
