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

    /// The metrics of `plugin`, made by `factory` (the bootstrapped system's by default).
    public init(plugin: String, factory: any MetricsFactory = MetricsSystem.factory) {
        self.plugin = plugin
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
        if let duration { self.duration.recordNanoseconds(duration.wholeNanoseconds) }
    }

    /// Records the breaker's state (and, when it changed, the transition).
    public func recordBreaker(_ phase: CircuitBreakerPhase, changed: Bool) {
        breakerState.record(phase.gaugeValue)
        guard changed else { return }
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
