import AcuhookCore
import Logging
import NIOPosix
import Synchronization

/// Runs a plugin in this process: breaker → concurrency limit → timeout → C call on a pool thread.
///
/// A call past its timeout is reported as a failure at once, but its pool thread stays busy until
/// the plugin returns: it is counted in ``PluginRunnerStatistics/lost`` and keeps its concurrency
/// slot, so a hanging plugin can hold at most its own `max_concurrency` threads. No thread is
/// ever started to replace a lost one.
public final class InProcessPluginRunner<C: Clock>: PluginRunner where C.Duration == Duration {
    /// The created plugin.
    public let instance: PluginInstance
    /// The plugin's breaker.
    public let breaker: CircuitBreaker<C>
    /// Longest a call may run (and, separately, wait for a free slot).
    public let timeout: Duration
    /// Most calls in flight (1 for plugins that are not thread-safe).
    public let concurrency: Int
    private let limiter: ConcurrencyLimiter
    private let pool: NIOThreadPool
    private let clock: C
    private let logger: Logger
    private let counters = Mutex(PluginRunnerStatistics())

    /// Creates the runner. `maxConcurrency` is lowered to 1 unless the plugin is thread-safe.
    public init(
        instance: PluginInstance,
        timeout: Duration,
        maxConcurrency: Int,
        breaker: CircuitBreakerConfiguration,
        pool: NIOThreadPool,
        clock: C,
        logger: Logger
    ) {
        var logger = logger
        logger[metadataKey: "acuhook.plugin"] = "\(instance.image.name)"
        self.instance = instance
        self.timeout = timeout
        self.concurrency = instance.image.threadSafe ? max(1, maxConcurrency) : 1
        self.limiter = ConcurrencyLimiter(limit: concurrency)
        self.breaker = CircuitBreaker(configuration: breaker, clock: clock, logger: logger)
        self.pool = pool
        self.clock = clock
        self.logger = logger
    }

    /// The plugin file.
    public var image: PluginImage { instance.image }
    /// A snapshot of the counters.
    public var statistics: PluginRunnerStatistics { counters.withLock { $0 } }
    /// The breaker's state name.
    public var breakerState: String { breaker.stateName }
    /// `in-process`.
    public var isolation: PluginIsolation { .inProcess }
    /// Whether the breaker refuses calls now.
    public var isRefusingCalls: Bool { breaker.isRefusingCalls }
    /// Forces the breaker open, disables it, or resets it.
    public func controlBreaker(_ action: BreakerAction, reason: String) {
        switch action {
        case .open: breaker.forceOpen(reason: reason)
        case .reset: breaker.reset(reason: reason)
        case .disable: breaker.disable(reason: reason)
        }
    }

    /// Handles one event.
    public func run(_ event: PluginEvent, attempt: Int) async -> PluginCallResult {
        let (permit, retryAt) = breaker.acquire()
        guard let permit else {
            counters.withLock { $0.notAttempted += 1 }
            let when = retryAt.map { " for another \(clock.now.duration(to: $0))" } ?? ""
            return PluginCallResult(outcome: .notAttempted(reason: "circuit breaker is \(breaker.stateName)\(when)"))
        }
        let started = clock.now
        guard await limiter.acquire(timeout: timeout, clock: clock) else {
            let stats = counters.withLock { stats in
                stats.calls += 1
                stats.failures += 1
                stats.timeouts += 1
                return stats
            }
            breaker.record(permit, failed: true)
            return PluginCallResult(
                outcome: .failed(.timeout),
                message: "no free call slot within \(timeout): \(stats.inFlight) call(s) in flight, \(stats.lost) past their timeout",
                duration: started.duration(to: clock.now)
            )
        }
        counters.withLock {
            $0.inFlight += 1
            $0.calls += 1
        }
        let ending = await callOnPool(event, attempt: attempt)
        let duration = started.duration(to: clock.now)
        let result: PluginCallResult
        switch ending {
        case .finished(let invocation):
            result = PluginCallResult(
                outcome: invocation.outcome,
                message: invocation.message,
                output: invocation.output,
                derived: invocation.derived,
                duration: duration
            )
        case .timedOut:
            result = PluginCallResult(
                outcome: .failed(.timeout),
                message: "plugin did not return within \(timeout)",
                duration: duration
            )
        case .notRun:
            result = PluginCallResult(outcome: .failed(.unavailable), message: "the plugin thread pool is shut down")
        }
        counters.withLock { stats in
            if result.isBreakerFailure { stats.failures += 1 }
            if case .timedOut = ending { stats.timeouts += 1 }
        }
        breaker.record(permit, failed: result.isBreakerFailure)
        return result
    }

    private enum Ending: Sendable {
        case finished(PluginInstance.Invocation)
        case timedOut
        case notRun
    }

    private func callOnPool(_ event: PluginEvent, attempt: Int) async -> Ending {
        let race = CallRace<Ending>()
        return await withCheckedContinuation { continuation in
            race.arm(continuation)
            pool.submit { [self] state in
                guard case .active = state else {
                    counters.withLock { $0.inFlight -= 1 }
                    race.settle(.notRun)
                    limiter.release()
                    return
                }
                let callStarted = ContinuousClock.now
                let invocation = instance.invoke(event, attempt: attempt)
                // Free the slot and the in-flight count before waking the caller, so that what
                // the caller sees next already reflects this call's end.
                counters.withLock { $0.inFlight -= 1 }
                limiter.release()
                guard !race.settle(.finished(invocation)) else { return }
                counters.withLock { stats in
                    stats.lost -= 1
                    logger.notice(
                        "plugin call returned after its timeout; its thread is free again",
                        metadata: [
                            "acuhook.call.duration": "\(callStarted.duration(to: .now))",
                            "acuhook.plugin.lost_threads": "\(stats.lost)",
                        ]
                    )
                }
            }
            let timer = Task { [self] in
                do {
                    try await clock.sleep(for: timeout)
                } catch {
                    return
                }
                // Settle, count and log under the counters' lock, so the caller, once resumed,
                // already sees the lost call in the statistics and the log. (Rare path.)
                counters.withLock { stats in
                    guard race.settle(.timedOut) else { return }
                    stats.lost += 1
                    logger.warning(
                        "plugin call exceeded its timeout; its thread is lost until the call returns",
                        metadata: [
                            "acuhook.timeout": "\(timeout)",
                            "acuhook.plugin.lost_threads": "\(stats.lost)",
                            "acuhook.pool.threads": "\(pool.numberOfThreads)",
                        ]
                    )
                }
            }
            race.attach(timer: timer)
        }
    }
}
