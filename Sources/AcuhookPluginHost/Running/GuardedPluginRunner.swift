import AcuhookCore
import Logging
import Synchronization

/// Runs one plugin's calls over a transport: circuit breaker → concurrency limit → the call
/// (the transport enforces the timeout) → counters and the breaker's judgement. The one
/// implementation of ``PluginRunner``, for in-process and isolated plugins alike.
///
/// A call past its timeout is reported as a failure at once; the slot it holds is freed only
/// when the transport releases it (a pool thread, when the plugin returns), so a hanging plugin
/// holds at most its own concurrency limit.
public final class GuardedPluginRunner<C: Clock, Transport: PluginTransport>: PluginRunner where C.Duration == Duration {
    /// How calls reach the plugin.
    public let transport: Transport
    /// The plugin's breaker.
    public let breaker: CircuitBreaker<C>
    /// Longest a call may run (and, separately, wait for a free slot).
    public let timeout: Duration
    private let limiter: ConcurrencyLimiter
    private let clock: C
    private let counters = Mutex(PluginRunnerStatistics())
    /// The plugin's metrics (shared with its transport).
    public let metrics: PluginMetrics

    /// A runner over `transport`; `logger` should carry the plugin's name (`acuhook.plugin`);
    /// `metrics` defaults to the plugin's metrics in the bootstrapped metrics system.
    public init(transport: Transport, timeout: Duration, breaker: CircuitBreakerSettings, clock: C, logger: Logger, metrics: PluginMetrics? = nil) {
        let metrics = metrics ?? PluginMetrics(plugin: transport.image.name)
        self.transport = transport
        self.timeout = timeout
        self.limiter = ConcurrencyLimiter(limit: transport.concurrency)
        self.breaker = CircuitBreaker(configuration: breaker, clock: clock, logger: logger, metrics: metrics)
        self.clock = clock
        self.metrics = metrics
    }

    /// The logger and metrics of the plugin `name`: the logger carries its name
    /// (`acuhook.plugin`); the metrics default to the bootstrapped metrics system's.
    static func named(_ name: String, logger: Logger, metrics: PluginMetrics?) -> (Logger, PluginMetrics) {
        var logger = logger
        logger[metadataKey: "acuhook.plugin"] = "\(name)"
        return (logger, metrics ?? PluginMetrics(plugin: name))
    }

    /// What the plugin is.
    public var image: PluginImage { transport.image }
    /// In this process or in worker processes.
    public var isolation: PluginIsolation { transport.isolation }
    /// Most calls in flight.
    public var concurrency: Int { limiter.limit }
    /// The breaker's state.
    public var breakerState: CircuitBreakerPhase { breaker.phase }
    /// Whether the breaker refuses calls now.
    public var isRefusingCalls: Bool { breaker.isRefusingCalls }

    /// A snapshot of the counters: the runner's, with the slots held and the transport's own.
    public var statistics: PluginRunnerStatistics {
        var statistics = counters.withLock { $0 }
        statistics.inFlight = limiter.held
        statistics.lost = transport.lostCalls
        statistics.restarts = transport.restarts
        return statistics
    }

    /// Forces the breaker open, disables it, or resets it.
    public func controlBreaker(_ action: BreakerAction, reason: String) {
        switch action {
        case .open: breaker.forceOpen(reason: reason)
        case .reset: breaker.reset(reason: reason)
        case .disable: breaker.disable(reason: reason)
        }
    }

    /// Handles `calls` in one call of the plugin. The breaker admits the call once; each event's
    /// ending is then recorded on its own (a batch of 100 is 100 judgements).
    public func run(_ calls: [PluginCall]) async -> [PluginCallResult] {
        let count = calls.count
        guard count > 0 else { return [] }
        let (permit, retryAt) = breaker.acquire()
        guard let permit else {
            counters.withLock { $0.notAttempted += count }
            for _ in 0..<count { metrics.recordCall(.notAttempted, duration: nil) }
            let when = retryAt.map { " for another \(clock.now.duration(to: $0))" } ?? ""
            return Array(repeating: PluginCallResult(outcome: .notAttempted(reason: "circuit breaker is \(breaker.phase)\(when)")), count: count)
        }
        let started = clock.now
        guard await limiter.acquire(timeout: timeout, clock: clock) else {
            // Admission refused: the events never reached the plugin, so none is charged (the
            // dispatcher holds their jobs as for an open breaker); the calls holding the slots
            // are the ones the breaker judges.
            counters.withLock { $0.notAttempted += count }
            breaker.release(permit)
            for _ in 0..<count { metrics.recordCall(.notAttempted, duration: nil) }
            let refusal = PluginCallResult(
                outcome: .notAttempted(reason: "no free call slot within \(timeout): \(limiter.held) call(s) in flight, \(transport.lostCalls) past their timeout"),
                duration: started.duration(to: clock.now)
            )
            return Array(repeating: refusal, count: count)
        }
        let limiter = self.limiter
        var results = await transport.call(calls, timeout: timeout, release: { limiter.release() })
        let duration = started.duration(to: clock.now)
        counters.withLock { stats in
            for result in results {
                // An event the transport did not call (stopping, after an earlier one's timeout) is no call.
                if result.outcome != .failed(.unavailable) { stats.calls += 1 }
                if result.isBreakerFailure { stats.failures += 1 }
                if case .failed(.timeout) = result.outcome { stats.timeouts += 1 }
            }
        }
        for index in results.indices {
            results[index].duration = duration
            breaker.record(permit, failed: results[index].isBreakerFailure)
            metrics.recordCall(AttemptOutcome(results[index].outcome), duration: duration)
        }
        return results
    }

    /// Stops the transport (workers finish their calls for up to `grace`, then are killed).
    public func shutdown(grace: Duration) async {
        await transport.shutdown(grace: grace)
    }
}
